import { type ImageClassifier, InvalidArgumentError, seededValues } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { sampleSeed } from './internal/noise';
import { resolveTargets, type TargetOptions } from './internal/targets';
import { assertValidInput, markPerturbed } from './internal/validate-input';
import type { SaliencyMethod } from './smooth-grad';

/** Options for {@link sensitivityMax}. */
export interface SensitivityMaxOptions extends TargetOptions {
  /** Half-width `r` of the uniform perturbation `δ ~ U(−r, r)` per input value. Default `0.02` (Captum's `perturb_radius`). */
  radius?: number;
  /** Number of perturbations per image (Captum's `n_perturb_samples`). Default `10`. */
  samples?: number;
  /** Seed of the perturbations; the same seed gives the same result on every backend. Default `0`. */
  seed?: number;
  /** The most perturbed images passed to `method` at once. Default `32`. */
  internalBatchSize?: number;
}

const DEFAULT_RADIUS = 0.02;
const DEFAULT_SAMPLES = 10;
const DEFAULT_INTERNAL_BATCH_SIZE = 32;

/**
 * Max-sensitivity of an explanation (Yeh et al. 2019) exactly as Captum's `sensitivity_max` with its
 * defaults computes it: for each image, the largest relative change
 * `‖Φ(x + δ) − Φ(x)‖_F / ‖Φ(x)‖_F` over `samples` draws of `δ ~ U(−radius, radius)` (independent per
 * input value), where `Φ` is `method` and the norm is the Frobenius (L2) norm of the whole map.
 * When `‖Φ(x)‖ = 0` the denominator is 1, as in Captum. The target is resolved once on the
 * unperturbed images and kept for the perturbed ones. Perturbed images may leave `[0, 1]`.
 *
 * ```ts
 * const sensitivity = await sensitivityMax(vanillaGradient, classifier, images, { radius: 0.05, seed: 3 });
 * ```
 * Sources: Yeh, Hsieh, Suggala, Inouye and Ravikumar 2019, "On the (In)fidelity and Sensitivity of
 * Explanations"; Captum `captum.metrics.sensitivity_max`.
 * @param method - the attribution method, called with explicit per-image targets (or `scoreFn`).
 * @param model - the classifier to explain.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - radius, samples, seed, chunk size and target.
 * @returns the max-sensitivity of each image, `[N]` numbers.
 * @throws InvalidArgumentError for bad images, targets or options, or maps whose shape changes.
 */
export async function sensitivityMax(
  method: SaliencyMethod,
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: SensitivityMaxOptions = {},
): Promise<number[]> {
  const {
    radius = DEFAULT_RADIUS,
    samples = DEFAULT_SAMPLES,
    seed = 0,
    internalBatchSize = DEFAULT_INTERNAL_BATCH_SIZE,
    scoreFn,
  } = options;
  if (typeof method !== 'function') {
    throw new InvalidArgumentError('method', 'an attribution function', typeof method);
  }
  if (typeof radius !== 'number' || !(radius >= 0) || !Number.isFinite(radius)) {
    throw new InvalidArgumentError('options.radius', 'a non-negative number', String(radius));
  }
  if (!Number.isInteger(samples) || samples < 1) {
    throw new InvalidArgumentError('options.samples', 'a positive integer', String(samples));
  }
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', String(seed));
  if (!Number.isInteger(internalBatchSize) || internalBatchSize < 1) {
    throw new InvalidArgumentError(
      'options.internalBatchSize',
      'a positive integer',
      String(internalBatchSize),
    );
  }
  await assertValidInput(images, model);
  const targets = scoreFn ? [] : await resolveTargets(model, images, options.target);
  const [batch, height, width, channels] = images.shape;

  const original = await method(model, images, scoreFn ? { scoreFn } : { target: targets });
  let originalValues: Float32Array | Int32Array | Uint8Array;
  try {
    originalValues = await original.data();
  } finally {
    original.dispose();
  }
  const mapSize = originalValues.length / batch;
  const norms = Array.from({ length: batch }, (_, image) => {
    let sum = 0;
    for (let i = image * mapSize; i < (image + 1) * mapSize; i++) sum += (originalValues[i] as number) ** 2;
    return sum === 0 ? 1 : Math.sqrt(sum);
  });

  const maxima = new Array<number>(batch).fill(Number.NEGATIVE_INFINITY);
  const jobs = batch * samples;
  const pixelsPerImage = height * width * channels;
  for (let first = 0; first < jobs; first += internalBatchSize) {
    const count = Math.min(internalBatchSize, jobs - first);
    const imageIndices = Array.from({ length: count }, (_, index) => (first + index) % batch);
    const noise = new Float32Array(count * pixelsPerImage);
    for (let index = 0; index < count; index++) {
      noise.set(
        seededValues(pixelsPerImage, sampleSeed(seed, first + index), -radius, radius),
        index * pixelsPerImage,
      );
    }
    const perturbed = tf.tidy(() =>
      tf.add(
        tf.gather(images, tf.tensor1d(imageIndices, 'int32')),
        tf.tensor4d(noise, [count, height, width, channels]),
      ),
    ) as tf.Tensor4D;
    let maps: tf.Tensor4D;
    try {
      maps = await method(
        model,
        markPerturbed(perturbed),
        scoreFn ? { scoreFn } : { target: imageIndices.map((image) => targets[image] as number) },
      );
    } finally {
      perturbed.dispose();
    }
    let values: Float32Array | Int32Array | Uint8Array;
    try {
      if (maps.size !== count * mapSize) {
        throw new InvalidArgumentError(
          'method',
          `maps of ${mapSize} values per image, as for the unperturbed images`,
          `shape [${maps.shape}]`,
        );
      }
      values = await maps.data();
    } finally {
      maps.dispose();
    }
    for (let index = 0; index < count; index++) {
      const image = imageIndices[index] as number;
      let sum = 0;
      for (let i = 0; i < mapSize; i++) {
        const difference =
          (values[index * mapSize + i] as number) - (originalValues[image * mapSize + i] as number);
        sum += difference * difference;
      }
      maxima[image] = Math.max(maxima[image] as number, Math.sqrt(sum) / (norms[image] as number));
    }
  }
  return maxima;
}
