import type { ImageClassifier } from '@netlens/backends';
import { assertValidImages, explainGradientError, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import {
  type Chunking,
  checkInternalBatchSize,
  checkMemoryBudget,
  createChunking,
  runChunks,
} from './internal/batching';
import { type Baseline, validateBaseline } from './internal/ig-baselines';
import {
  INTEGRATION_METHODS,
  type IntegrationMethod,
  type IntegrationPoints,
  integrationPoints,
} from './internal/ig-quadrature';
import { checkStepCount, checkStepOptions, type SaliencyStepOptions, throwIfAborted } from './internal/steps';
import { inputGradient, resolveTargets, scoreOf, type TargetOptions } from './internal/targets';

export type { Baseline, BaselineDistribution } from './internal/ig-baselines';
export type { IntegrationMethod } from './internal/ig-quadrature';

/**
 * Options for {@link integratedGradients}. Defaults follow Captum's `IntegratedGradients`.
 *
 * Sources: Sundararajan et al. 2017, Axiomatic Attribution for Deep Networks.
 */
export interface IntegratedGradientsOptions extends TargetOptions, SaliencyStepOptions {
  /**
   * The reference input: `'black'` (all 0), `'white'` (all 1), `'blurred'` (each input blurred with
   * σ = `blurSigma`), `'uniform'` (seeded noise in `[0, 1]`), a tensor `[1, H, W, C]` (broadcast) or
   * `[N, H, W, C]`, or `{ distribution, samples, seed }` for expected Integrated Gradients over
   * several baselines (attributions and deltas are averaged). Default `'black'` (Captum's zeros).
   */
  baseline?: Baseline;
  /**
   * Number of points on the path from baseline to input, an integer in `[1, 10000]`. Default 50
   * (Captum's). `onStep` counts the (image, point) pairs evaluated, `N · numSteps` per baseline sample.
   */
  numSteps?: number;
  /**
   * How the path integral is approximated: `'riemann_left' | 'riemann_right' | 'riemann_middle' |
   * 'riemann_trapezoid' | 'gausslegendre'`. Default `'gausslegendre'` (Captum's).
   */
  method?: IntegrationMethod;
  /**
   * Interpolated images per forward/backward pass. Default: as many as fit `memoryBudget`, from the
   * peak memory of one image's gradient (measured with `tf.profile` by the first chunk, then cached
   * per model and backend), at least 1. Wins over `memoryBudget` when given.
   */
  internalBatchSize?: number;
  /**
   * Bytes of tensor memory one forward/backward chunk may peak at, when `internalBatchSize` is not
   * given. Default 256 MiB on `webgl`/`webgpu`/`node-webgpu`, 512 MiB on `cpu`/`wasm`/`tensorflow`.
   * A chunk holds at least one interpolated image, even when that alone needs more.
   */
  memoryBudget?: number;
  /** σ in pixels of the `'blurred'` baseline (and the largest σ of a blurred distribution). Default 5. */
  blurSigma?: number;
  /** Seed of the `'uniform'` baseline's noise. Default 0. */
  seed?: number;
}

/** What {@link integratedGradients} returns. */
export interface IntegratedGradientsResult {
  /** `[N, H, W, C]` attributions, in the units of the explained score; the caller disposes it. */
  attributions: tf.Tensor4D;
  /**
   * Per image, `Σ attributions_i − (f(x_i) − f(baseline_i))` (Captum's sign): the completeness
   * error of the approximation, 0 for an exact integral. Averaged over samples for a distribution.
   */
  convergenceDelta: Float32Array;
}

function checkOptions(options: IntegratedGradientsOptions): {
  numSteps: number;
  method: IntegrationMethod;
  points: IntegrationPoints;
} {
  const numSteps = checkStepCount(options.numSteps ?? 50, 'options.numSteps');
  const method = options.method ?? 'gausslegendre';
  if (!INTEGRATION_METHODS.includes(method)) {
    throw new InvalidArgumentError(
      'options.method',
      `one of ${INTEGRATION_METHODS.join(', ')}`,
      `'${method}'`,
    );
  }
  checkInternalBatchSize(options.internalBatchSize);
  checkMemoryBudget(options.memoryBudget);
  checkStepOptions(options);
  return { numSteps, method, points: integrationPoints(method, numSteps) };
}

/** How {@link pathGradientSum} chunks its work and reports it. */
interface PathControl {
  chunking: Chunking;
  signal: AbortSignal | undefined;
  /** Called with the pairs done in this sample. */
  progress: (done: number) => unknown;
}

/**
 * `Σ_k w_k ∇f(baseline + α_k (x − baseline))` per image, over the `N · numSteps` (image, step) pairs
 * in chunks (one `tf.tidy` each, the event loop free between them). Pairs are image-major, so each
 * chunk touches a contiguous range of images and its weighted gradients are summed into them with
 * one small matMul.
 */
async function pathGradientSum(
  scoreForImages: (imageIndex: Int32Array) => (images: tf.Tensor4D) => tf.Tensor1D,
  images: tf.Tensor4D,
  baseline: tf.Tensor4D,
  difference: tf.Tensor4D,
  points: IntegrationPoints,
  control: PathControl,
): Promise<tf.Tensor4D> {
  const [batch, height, width, channels] = images.shape;
  const pixels = height * width * channels;
  const numSteps = points.alphas.length;
  const total = batch * numSteps;
  let sum = tf.zeros([batch, pixels]) as tf.Tensor2D;
  const chunk = (start: number, count: number) => {
    const firstImage = Math.floor(start / numSteps);
    const lastImage = Math.floor((start + count - 1) / numSteps);
    const span = lastImage - firstImage + 1;
    const next = tf.tidy(() => {
      const imageIndex = new Int32Array(count);
      const alphas = new Float32Array(count);
      const mix = new Float32Array(span * count);
      for (let j = 0; j < count; j++) {
        const image = Math.floor((start + j) / numSteps);
        const step = (start + j) % numSteps;
        imageIndex[j] = image;
        alphas[j] = points.alphas[step] as number;
        mix[(image - firstImage) * count + j] = points.weights[step] as number;
      }
      const indices = tf.tensor1d(imageIndex, 'int32');
      const path = tf.add(
        tf.gather(baseline, indices),
        tf.mul(tf.tensor4d(alphas, [count, 1, 1, 1]), tf.gather(difference, indices)),
      ) as tf.Tensor4D;
      const gradients = tf.reshape(inputGradient(scoreForImages(imageIndex), path), [count, pixels]);
      const summed = tf.matMul(tf.tensor2d(mix, [span, count]), gradients);
      const placed = tf.pad(summed, [
        [firstImage, batch - 1 - lastImage],
        [0, 0],
      ]);
      return tf.add(sum, placed) as tf.Tensor2D;
    });
    sum.dispose();
    sum = next;
  };
  try {
    await runChunks(control.chunking, total, chunk, {
      name: 'integratedGradients',
      signal: control.signal,
      progress: control.progress,
    });
    return tf.reshape(sum, images.shape) as tf.Tensor4D;
  } finally {
    sum.dispose();
  }
}

/**
 * Integrated Gradients: attributions that integrate the gradient along the straight path from a
 * baseline to each input, `(x − x′) ⊙ ∫₀¹ ∇f(x′ + α (x − x′)) dα`, approximated with `numSteps`
 * points of `method`. They satisfy completeness — they sum to `f(x) − f(x′)` — up to the reported
 * `convergenceDelta`, which shrinks as `numSteps` grows. Targets are resolved once on `images`;
 * interpolated images are processed in chunks that fit `memoryBudget` (or of `internalBatchSize`),
 * so memory is bounded whatever `numSteps` is, and the event loop runs between chunks, where
 * `onStep` reports progress and `signal` can stop the call. Same semantics and defaults as Captum's `IntegratedGradients.attribute`
 * (`n_steps=50`, `method='gausslegendre'`, zero baseline, `return_convergence_delta=True`).
 *
 * Sources: Sundararajan et al. 2017, Axiomatic Attribution for Deep Networks.
 *
 * ```ts
 * const { attributions, convergenceDelta } = await integratedGradients(classifier, images, {
 *   baseline: 'blurred',
 *   numSteps: 32,
 * });
 * console.log(convergenceDelta); // per image, near 0 when numSteps suffices
 * attributions.dispose();
 * ```
 * @param model - the classifier to explain.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - baseline, steps, integration rule, chunk size or memory budget, target, `onStep`
 *   and `signal`; see {@link IntegratedGradientsOptions}.
 * @returns `[N, H, W, C]` attributions (the caller disposes them) and each image's convergence delta.
 * @throws InvalidArgumentError for invalid images or options, before any tensor is allocated;
 *   UnsupportedGradientError when the backend cannot differentiate the model; NetlensError
 *   `'ABORTED'` when `signal` fires (checked before every chunk).
 */
export async function integratedGradients(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: IntegratedGradientsOptions = {},
): Promise<IntegratedGradientsResult> {
  const { numSteps, points } = checkOptions(options);
  throwIfAborted(options.signal, 'integratedGradients');
  await assertValidImages(images, model);
  const baselines = validateBaseline(
    options.baseline ?? 'black',
    images,
    options.blurSigma ?? 5,
    options.seed ?? 0,
  );
  const targets = options.scoreFn ? [] : await resolveTargets(model, images, options.target);
  const batch = images.shape[0];
  const chunking = createChunking({
    model,
    work: options.scoreFn ? undefined : 'gradient',
    imagesPerUnit: 1,
    internalBatchSize: options.internalBatchSize,
    memoryBudget: options.memoryBudget,
  });
  const pairs = batch * numSteps;
  const { onStep, signal } = options;
  const score = (chosen: readonly number[]) => scoreOf(model, chosen, options.scoreFn);
  // Each interpolated image keeps the target of the image it came from.
  const pairScore = (imageIndex: Int32Array) =>
    score(options.scoreFn ? [] : Array.from(imageIndex, (image) => targets[image] as number));
  let attributionSum: tf.Tensor4D | undefined;
  let deltaSum: tf.Tensor1D | undefined;
  try {
    for (let sample = 0; sample < baselines.samples; sample++) {
      const baseline = baselines.make(sample);
      try {
        const difference = tf.sub(images, baseline) as tf.Tensor4D;
        try {
          const done = sample * pairs;
          const gradientSum = await pathGradientSum(pairScore, images, baseline, difference, points, {
            chunking,
            signal,
            progress: (step) => onStep?.({ step: done + step, numSteps: baselines.samples * pairs }),
          });
          const [attributions, delta] = tf.tidy(() => {
            const result = tf.mul(difference, gradientSum) as tf.Tensor4D;
            const direct = score(targets);
            const gap = tf.sub(direct(images), direct(baseline));
            return [result, tf.sub(tf.sum(result, [1, 2, 3]), gap) as tf.Tensor1D] as const;
          });
          gradientSum.dispose();
          const nextAttributions = attributionSum ? tf.add(attributionSum, attributions) : attributions;
          const nextDelta = deltaSum ? tf.add(deltaSum, delta) : delta;
          if (attributionSum) tf.dispose([attributionSum, attributions]);
          if (deltaSum) tf.dispose([deltaSum, delta]);
          attributionSum = nextAttributions as tf.Tensor4D;
          deltaSum = nextDelta as tf.Tensor1D;
        } finally {
          difference.dispose();
        }
      } finally {
        baseline.dispose();
      }
    }
  } catch (error) {
    tf.dispose([attributionSum, deltaSum].filter((tensor) => tensor !== undefined));
    throw explainGradientError(error);
  }
  const finalAttributions = attributionSum as tf.Tensor4D;
  const finalDelta = deltaSum as tf.Tensor1D;
  const scale = 1 / baselines.samples;
  const deltaValues = (await finalDelta.data()) as Float32Array;
  finalDelta.dispose();
  const convergenceDelta = Float32Array.from(deltaValues, (value) => value * scale);
  if (baselines.samples === 1) return { attributions: finalAttributions, convergenceDelta };
  const attributions = tf.mul(finalAttributions, scale) as tf.Tensor4D;
  finalAttributions.dispose();
  return { attributions, convergenceDelta };
}
