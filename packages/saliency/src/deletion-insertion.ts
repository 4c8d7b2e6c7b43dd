import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { resolveTargets, type Target } from './internal/targets';
import { assertAttributionShape, assertValidInput } from './internal/validate-input';

/** Which curve(s) {@link deletionInsertion} computes. */
export type DeletionInsertionMode = 'deletion' | 'insertion' | 'both';

/** Options for {@link deletionInsertion}. */
export interface DeletionInsertionOptions {
  /** Which curve to compute: `'deletion'`, `'insertion'` or `'both'`. Default `'both'`. */
  mode?: DeletionInsertionMode;
  /**
   * Number of equal chunks the pixels are removed or inserted in; each curve has `steps + 1`
   * points (before the first chunk and after each). Default `20`.
   */
  steps?: number;
  /**
   * What a removed pixel becomes (deletion) and what the image starts from (insertion): a pixel
   * value in `[0, 1]` for every channel, or `'blur'` for a Gaussian-blurred copy of the image
   * (11×11 kernel, σ = 5, as in RISE's evaluation code). When omitted, deletion uses `0` (black)
   * and insertion starts from `'blur'`, as Petsiuk et al. do.
   */
  baseline?: number | 'blur';
  /** The class whose softmax probability is tracked. Default `'predicted'` (on the unperturbed image). */
  target?: Target;
  /** How many perturbed images one forward pass evaluates. Default `32`. */
  internalBatchSize?: number;
}

/** One image's curves and their areas; the fields of a mode that was not computed are `NaN` and `[]`. */
export interface DeletionInsertionResult {
  /** Area under the deletion curve over `[0, 1]` (trapezoid rule); lower is better. */
  deletionAuc: number;
  /** Area under the insertion curve over `[0, 1]` (trapezoid rule); higher is better. */
  insertionAuc: number;
  /** Target probability after deleting `0, 1/steps, …, 1` of the pixels, most important first. */
  deletionCurve: number[];
  /** Target probability after inserting `0, 1/steps, …, 1` of the pixels, most important first. */
  insertionCurve: number[];
}

const DEFAULT_STEPS = 20;
const DEFAULT_INTERNAL_BATCH_SIZE = 32;
const BLUR_SIZE = 11;
const BLUR_SIGMA = 5;

/**
 * The deletion and insertion metrics of an attribution map (Petsiuk et al. 2018, RISE). Pixels are
 * ranked by their attribution summed over channels, highest first (ties keep raster order).
 * Deletion replaces them, `steps` equal chunks at a time, by the baseline and records the softmax
 * probability of the target class after each chunk: a faithful map makes the probability fall
 * fast, so a lower area is better. Insertion starts from the baseline (a blurred image by default)
 * and puts the original pixels back in the same order: a higher area is better. Areas use the
 * trapezoid rule over the fraction of pixels changed, `[0, 1]`.
 *
 * Only forward passes, evaluated in chunks of `internalBatchSize` perturbed images (one `tidy`
 * each); only probabilities are read back.
 *
 * ```ts
 * const map = await vanillaGradient(classifier, images);
 * const [first] = await deletionInsertion(classifier, images, map, { steps: 50 });
 * console.log(first.deletionAuc, first.insertionAuc);
 * map.dispose();
 * ```
 * Sources: Petsiuk, Das and Saenko 2018, "RISE: Randomized Input Sampling for Explanation of
 * Black-box Models" (section 4.1, the causal metrics).
 * @param model - any classifier.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param attributions - `[N, H, W, 1]` or `[N, H, W, C]` maps, not disposed.
 * @param options - mode, number of steps, baseline, target and chunk size.
 * @returns one result per image.
 * @throws InvalidArgumentError for bad images, attributions, targets or options.
 */
export async function deletionInsertion(
  model: ImageClassifier,
  images: tf.Tensor4D,
  attributions: tf.Tensor4D,
  options: DeletionInsertionOptions = {},
): Promise<DeletionInsertionResult[]> {
  const { mode = 'both', steps = DEFAULT_STEPS, internalBatchSize = DEFAULT_INTERNAL_BATCH_SIZE } = options;
  if (mode !== 'deletion' && mode !== 'insertion' && mode !== 'both') {
    throw new InvalidArgumentError('options.mode', "'deletion', 'insertion' or 'both'", String(mode));
  }
  if (!Number.isInteger(steps) || steps < 1) {
    throw new InvalidArgumentError('options.steps', 'a positive integer', String(steps));
  }
  if (!Number.isInteger(internalBatchSize) || internalBatchSize < 1) {
    throw new InvalidArgumentError(
      'options.internalBatchSize',
      'a positive integer',
      String(internalBatchSize),
    );
  }
  const { baseline } = options;
  if (
    baseline !== undefined &&
    baseline !== 'blur' &&
    !(typeof baseline === 'number' && baseline >= 0 && baseline <= 1)
  ) {
    throw new InvalidArgumentError('options.baseline', "a pixel value in [0, 1] or 'blur'", String(baseline));
  }
  await assertValidInput(images, model);
  assertAttributionShape(attributions, images);
  const targets = await resolveTargets(model, images, options.target);

  const [batch, height, width] = images.shape;
  const pixels = height * width;
  const orders = await pixelOrders(attributions);
  const modes: ('deletion' | 'insertion')[] = mode === 'both' ? ['deletion', 'insertion'] : [mode];
  // Deletion keeps pixels outside the deleted set and fills the set from the baseline; insertion
  // keeps the inserted set. Both become `image · keep + start · (1 − keep)`.
  const starts = tf.tidy(() =>
    tf.concat(
      modes.map((name) => startImages(images, baseline ?? (name === 'deletion' ? 0 : 'blur'))),
      0,
    ),
  );
  const jobs = modes.flatMap((name, modeIndex) =>
    Array.from({ length: batch * (steps + 1) }, (_, index) => ({
      modeIndex,
      deletion: name === 'deletion',
      image: Math.floor(index / (steps + 1)),
      step: index % (steps + 1),
    })),
  );
  const probabilities = new Float64Array(jobs.length);
  try {
    for (let first = 0; first < jobs.length; first += internalBatchSize) {
      const chunk = jobs.slice(first, first + internalBatchSize);
      const scores = tf.tidy(() => {
        const keep = new Float32Array(chunk.length * pixels);
        for (const [index, job] of chunk.entries()) {
          const order = orders[job.image] as Int32Array;
          const changed = Math.round((job.step * pixels) / steps);
          const offset = index * pixels;
          if (job.deletion) keep.fill(1, offset, offset + pixels);
          for (let rank = 0; rank < changed; rank++) {
            keep[offset + (order[rank] as number)] = job.deletion ? 0 : 1;
          }
        }
        const mask = tf.tensor4d(keep, [chunk.length, height, width, 1]);
        const indices = tf.tensor1d(
          chunk.map((job) => job.image),
          'int32',
        );
        const startIndices = chunk.map((job) => job.modeIndex * batch + job.image);
        const originals = tf.gather(images, indices);
        const start = tf.gather(starts, tf.tensor1d(startIndices, 'int32'));
        const perturbed = tf.add(tf.mul(originals, mask), tf.mul(start, tf.sub(1, mask))) as tf.Tensor4D;
        const probability = tf.softmax(model.logits(perturbed));
        const classes = tf.oneHot(
          tf.tensor1d(
            chunk.map((job) => targets[job.image] as number),
            'int32',
          ),
          model.numClasses,
        );
        return tf.sum(tf.mul(probability, classes), 1);
      });
      const values = await scores.data();
      scores.dispose();
      probabilities.set(values, first);
    }
  } finally {
    starts.dispose();
  }

  const results: DeletionInsertionResult[] = Array.from({ length: batch }, () => ({
    deletionAuc: Number.NaN,
    insertionAuc: Number.NaN,
    deletionCurve: [],
    insertionCurve: [],
  }));
  for (const [modeIndex, name] of modes.entries()) {
    for (let image = 0; image < batch; image++) {
      const offset = (modeIndex * batch + image) * (steps + 1);
      const curve = Array.from(probabilities.subarray(offset, offset + steps + 1));
      const result = results[image] as DeletionInsertionResult;
      if (name === 'deletion') {
        result.deletionCurve = curve;
        result.deletionAuc = trapezoidArea(curve);
      } else {
        result.insertionCurve = curve;
        result.insertionAuc = trapezoidArea(curve);
      }
    }
  }
  return results;
}

/** Area under equally spaced samples of a curve over `[0, 1]`, by the trapezoid rule. */
function trapezoidArea(curve: readonly number[]): number {
  const intervals = curve.length - 1;
  let area = 0;
  for (let i = 0; i < intervals; i++) area += ((curve[i] as number) + (curve[i + 1] as number)) / 2;
  return area / intervals;
}

/** Per image, the pixel indices sorted by channel-summed attribution, highest first (stable). */
async function pixelOrders(attributions: tf.Tensor4D): Promise<Int32Array[]> {
  const [batch, height, width] = attributions.shape;
  const pixels = height * width;
  const summed = tf.tidy(() => tf.sum(attributions, 3));
  const values = await summed.data();
  summed.dispose();
  return Array.from({ length: batch }, (_, image) => {
    const offset = image * pixels;
    const order = Int32Array.from({ length: pixels }, (_, index) => index);
    order.sort((a, b) => (values[offset + b] as number) - (values[offset + a] as number) || a - b);
    return order;
  });
}

/** The image every pixel comes from when it is not the original's: a constant or a blurred copy. */
function startImages(images: tf.Tensor4D, baseline: number | 'blur'): tf.Tensor4D {
  if (baseline !== 'blur') return tf.fill(images.shape, baseline) as tf.Tensor4D;
  return tf.tidy(() => {
    const channels = images.shape[3];
    const half = (BLUR_SIZE - 1) / 2;
    const weights = Array.from({ length: BLUR_SIZE }, (_, i) =>
      Math.exp(-((i - half) ** 2) / (2 * BLUR_SIGMA ** 2)),
    );
    const kernel2d: number[] = [];
    for (const row of weights) for (const column of weights) kernel2d.push(row * column);
    const kernel = tf.tile(tf.tensor4d(kernel2d, [BLUR_SIZE, BLUR_SIZE, 1, 1]), [
      1,
      1,
      channels,
      1,
    ]) as tf.Tensor4D;
    const blurred = tf.depthwiseConv2d(images, kernel, 1, 'same');
    // Dividing by the kernel mass inside the image keeps edges from darkening under zero padding.
    const mass = tf.depthwiseConv2d(tf.onesLike(images), kernel, 1, 'same');
    return tf.div(blurred, mass) as tf.Tensor4D;
  });
}
