import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { checkInternalBatchSize, checkMemoryBudget, createChunking, runChunks } from './internal/batching';
import { gaussianNoise, sampleSeed } from './internal/noise';
import { checkStepCount, checkStepOptions, type SaliencyStepOptions, throwIfAborted } from './internal/steps';
import { resolveTargets, type TargetOptions } from './internal/targets';
import { assertValidInput, markPerturbed } from './internal/validate-input';
import { vanillaGradient } from './vanilla-gradient';

/** What {@link SaliencyMethod} receives: what to explain, and the caller's abort signal. */
export interface SaliencyMethodOptions extends TargetOptions {
  /** The signal of the call that wraps the method; a long method may stop early when it fires. */
  signal?: AbortSignal;
}

/**
 * An attribution method SmoothGrad can wrap: `vanillaGradient`, `gradientTimesInput`, or any
 * function of this shape. It receives noisy copies of the images (values may leave `[0, 1]`) and an
 * explicit per-image `target` list (or the caller's `scoreFn`), and the caller's `signal`.
 */
export type SaliencyMethod = (
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: SaliencyMethodOptions,
) => Promise<tf.Tensor4D>;

/** How the noisy maps are combined: their mean, the mean of their squares, or their variance. */
export type SmoothGradVariant = 'smoothgrad' | 'smoothgrad-squared' | 'vargrad';

/** Options for {@link smoothGrad}. */
export interface SmoothGradOptions extends TargetOptions, SaliencyStepOptions {
  /**
   * The method applied to each noisy copy. Default: the signed, unreduced gradient
   * (`vanillaGradient` with `abs: false, channelReduction: 'none'`), as in PAIR's `saliency` library.
   */
  method?: SaliencyMethod;
  /**
   * Number of noisy copies per image, an integer in `[1, 10000]`. Default 25 (PAIR's `nsamples`).
   * `onStep` counts the copies of the batch done, up to `samples`.
   */
  samples?: number;
  /**
   * Noise standard deviation as a fraction of each image's value range `max − min`. Default 0.15
   * (PAIR's `stdev_spread`; Smilkov et al. find 10–20% works well). `0` reproduces `method` exactly.
   */
  noiseLevel?: number;
  /**
   * `'smoothgrad'` averages the maps; `'smoothgrad-squared'` averages their squares (PAIR's
   * `magnitude=True`); `'vargrad'` returns their variance (Adebayo et al. 2018). Default `'smoothgrad'`.
   */
  variant?: SmoothGradVariant;
  /** Seed of the Gaussian noise; the same seed gives the same noise on every backend. Default 0. */
  seed?: number;
  /**
   * The most images sent to `method` at once (noisy copies are batched together). Default: as many
   * as fit `memoryBudget`, from the peak memory of the first call of `method` on one noisy copy of
   * the batch (measured with `tf.profile`; cached per model and backend for the default method and
   * no `scoreFn`). At least one copy of the batch is always sent. Wins over `memoryBudget`.
   */
  internalBatchSize?: number;
  /**
   * Bytes of tensor memory one call of `method` may peak at, when `internalBatchSize` is not given.
   * Default 256 MiB on `webgl`/`webgpu`/`node-webgpu`, 512 MiB on `cpu`/`wasm`/`tensorflow`.
   * A chunk holds at least one noisy copy of the batch, even when that alone needs more.
   */
  memoryBudget?: number;
}

const VARIANTS: readonly SmoothGradVariant[] = ['smoothgrad', 'smoothgrad-squared', 'vargrad'];

function checkOptions(options: SmoothGradOptions): Required<
  Pick<SmoothGradOptions, 'samples' | 'noiseLevel' | 'variant' | 'seed'>
> & {
  internalBatchSize?: number;
} {
  const { samples = 25, noiseLevel = 0.15, variant = 'smoothgrad', seed = 0, internalBatchSize } = options;
  checkStepCount(samples, 'options.samples');
  if (typeof noiseLevel !== 'number' || !Number.isFinite(noiseLevel) || noiseLevel < 0) {
    throw new InvalidArgumentError('options.noiseLevel', 'a finite number ≥ 0', String(noiseLevel));
  }
  if (!VARIANTS.includes(variant)) {
    throw new InvalidArgumentError(
      'options.variant',
      `one of ${VARIANTS.map((name) => `'${name}'`).join(', ')}`,
      String(variant),
    );
  }
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', String(seed));
  checkInternalBatchSize(internalBatchSize);
  checkMemoryBudget(options.memoryBudget);
  checkStepOptions(options);
  if (options.method !== undefined && typeof options.method !== 'function') {
    throw new InvalidArgumentError('options.method', 'an attribution function', typeof options.method);
  }
  return { samples, noiseLevel, variant, seed, internalBatchSize };
}

const signedGradient: SaliencyMethod = (model, images, options) =>
  vanillaGradient(model, images, { ...options, abs: false, channelReduction: 'none' });

/**
 * SmoothGrad: the average of an attribution method over copies of the image with Gaussian noise
 * added, which removes much of the visual noise of raw gradients. Targets are resolved once on the
 * unperturbed images, so every noisy copy explains the same class.
 *
 * ```ts
 * const smoothed = await smoothGrad(classifier, images, { samples: 50, noiseLevel: 0.2, seed: 1 });
 * const map = tf.max(tf.abs(smoothed), 3, true); // one value per pixel, as for vanillaGradient
 * const squared = await smoothGrad(classifier, images, { variant: 'smoothgrad-squared' });
 * ```
 * Sources: Smilkov et al. 2017, "SmoothGrad: removing noise by adding noise"; Adebayo et al. 2018,
 * "Local Explanation Methods for Deep Neural Networks Lack Sensitivity to Parameter Values" (VarGrad);
 * PAIR-code/saliency `GetSmoothedMask`.
 * @param model - the classifier to explain.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - the wrapped method, noise, variant, seed, batching or memory budget, target,
 *   `onStep` and `signal`.
 * @returns a tensor shaped like `method`'s output (`[N, H, W, C]` by default); the caller disposes it.
 * @throws InvalidArgumentError for invalid images, targets or options; NetlensError `'ABORTED'` when
 *   `signal` fires (checked before every chunk, and passed to `method`).
 */
export async function smoothGrad(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: SmoothGradOptions = {},
): Promise<tf.Tensor4D> {
  const { samples, noiseLevel, variant, seed, internalBatchSize } = checkOptions(options);
  const method = options.method ?? signedGradient;
  const { scoreFn } = options;
  throwIfAborted(options.signal, 'smoothGrad');
  await assertValidInput(images, model);
  const targets = scoreFn ? [] : await resolveTargets(model, images, options.target);
  const batch = images.shape[0];
  const ranges = tf.tidy(() => {
    const flat = tf.reshape(images, [batch, -1]);
    return tf.sub(tf.max(flat, 1), tf.min(flat, 1));
  });
  const stds = Array.from(await ranges.data(), (range) => noiseLevel * range);
  ranges.dispose();

  const chunking = createChunking({
    model,
    work: options.method === undefined && scoreFn === undefined ? 'gradient' : undefined,
    imagesPerUnit: batch,
    internalBatchSize,
    memoryBudget: options.memoryBudget,
  });
  const { onStep, signal } = options;
  let sum: tf.Tensor | undefined;
  let sumOfSquares: tf.Tensor | undefined;
  const chunk = async (start: number, count: number) => {
    const noisy = markPerturbed(
      tf.tidy(() => {
        const noise = Array.from({ length: count }, (_, offset) =>
          gaussianNoise(images.shape, sampleSeed(seed, start + offset), stds),
        );
        return tf.add(tf.tile(images, [count, 1, 1, 1]), tf.concat(noise, 0)) as tf.Tensor4D;
      }),
    );
    let maps: tf.Tensor4D;
    try {
      const chunkTargets = scoreFn
        ? { scoreFn }
        : { target: Array.from({ length: count * batch }, (_, index) => targets[index % batch] as number) };
      maps = await method(model, noisy, { ...chunkTargets, signal });
    } finally {
      noisy.dispose();
    }
    const previous = [sum, sumOfSquares];
    try {
      [sum, sumOfSquares] = tf.tidy(() => {
        const stacked = tf.reshape(maps, [count, batch, ...maps.shape.slice(1)]);
        const chunkSum = tf.sum(stacked, 0);
        const chunkSquares = variant === 'smoothgrad' ? undefined : tf.sum(tf.square(stacked), 0);
        return [
          sum ? tf.add(sum, chunkSum) : chunkSum,
          chunkSquares && (sumOfSquares ? tf.add(sumOfSquares, chunkSquares) : chunkSquares),
        ];
      });
    } finally {
      maps.dispose();
    }
    tf.dispose(previous.filter((tensor): tensor is tf.Tensor => tensor !== undefined));
  };
  try {
    await runChunks(chunking, samples, chunk, {
      name: 'smoothGrad',
      signal,
      progress: (step) => onStep?.({ step, numSteps: samples }),
    });
    const total = sum as tf.Tensor;
    const squares = sumOfSquares;
    return tf.tidy(() => {
      const mean = tf.div(total, samples);
      if (variant === 'smoothgrad') return mean as tf.Tensor4D;
      const meanOfSquares = tf.div(squares as tf.Tensor, samples);
      if (variant === 'smoothgrad-squared') return meanOfSquares as tf.Tensor4D;
      // E[m²] − E[m]² can round below zero where the maps barely vary.
      return tf.relu(tf.sub(meanOfSquares, tf.square(mean))) as tf.Tensor4D;
    });
  } finally {
    tf.dispose([sum, sumOfSquares].filter((tensor): tensor is tf.Tensor => tensor !== undefined));
  }
}
