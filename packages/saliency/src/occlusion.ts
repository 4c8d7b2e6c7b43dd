import type { ImageClassifier } from '@netlens/backends';
import { assertValidImages, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { checkInternalBatchSize, checkMemoryBudget, createChunking, runChunks } from './internal/batching';
import { type Extent, parseExtent, windowStarts } from './internal/occlusion-windows';
import { checkStepOptions, type SaliencyStepOptions, throwIfAborted } from './internal/steps';
import { resolveTargets, scoreOf, type TargetOptions } from './internal/targets';

/** Options for {@link occlusion}. */
export interface OcclusionOptions extends TargetOptions, SaliencyStepOptions {
  /**
   * Side of the occluding patch in pixels, one number for a square or `[height, width]`; it covers
   * every channel. Default `[max(1, ⌊H/8⌋), max(1, ⌊W/8⌋)]` (28×28 on a 224×224 input). Must fit in
   * the image.
   */
  window?: number | readonly [number, number];
  /**
   * Step between patch positions, one number or `[height, width]`. Default half the window (at
   * least 1). A last position flush with the bottom and right edges is added when the stride would
   * skip them, so every pixel is covered.
   */
  stride?: number | readonly [number, number];
  /** Pixel value the patch is filled with, in `[0, 1]`. Default `0` (black). */
  baseline?: number;
  /**
   * How many occluded images one forward pass evaluates. Default: as many as fit `memoryBudget`,
   * from the peak memory of one occluded image's forward pass (measured with `tf.profile` by the
   * first chunk, then cached per model and backend), at least 1. Wins over `memoryBudget`.
   */
  internalBatchSize?: number;
  /**
   * Bytes of tensor memory one forward chunk may peak at, when `internalBatchSize` is not given.
   * Default 256 MiB on `webgl`/`webgpu`/`node-webgpu`, 512 MiB on `cpu`/`wasm`/`tensorflow`.
   * A chunk holds at least one occluded image, even when that alone needs more.
   */
  memoryBudget?: number;
}

/**
 * Occlusion sensitivity: slides a patch filled with `baseline` over each image, records the score
 * drop `f(x) − f(x_occluded)` of every position, and gives each pixel the average drop of the
 * patches that cover it. Since the patch spans every channel, this equals Captum's `Occlusion`
 * attribution of any one channel (Captum repeats the same value in each channel; summing them would
 * triple it on RGB). Only forward passes: works with any classifier, differentiable or not.
 *
 * Occluded copies are evaluated in chunks that fit `memoryBudget` (or of `internalBatchSize`), one
 * `tidy` per chunk, and only their scores are read back, so memory stays bounded by one chunk; the
 * event loop runs between chunks, where `onStep` reports the occluded images evaluated out of
 * `N × positions` and `signal` can stop the call.
 *
 * ```ts
 * const maps = await occlusion(classifier, images, { window: 16, stride: 8, baseline: 0.5 });
 * // maps: [N, H, W, 1]; positive where hiding the pixel lowers the score
 * ```
 * @param model - any classifier.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - patch size, stride, fill value, chunk size or memory budget, what to explain,
 *   `onStep` and `signal`.
 * @returns `[N, H, W, 1]` attributions; the caller disposes them.
 * @throws InvalidArgumentError for a window that is not positive or larger than the image, a
 *   stride that is not positive, a baseline outside `[0, 1]`, bad images or targets; NetlensError
 *   `'ABORTED'` when `signal` fires (checked before every chunk).
 *
 * Sources: Zeiler & Fergus 2014, Visualizing and Understanding Convolutional Networks; Captum
 * `captum.attr.Occlusion`.
 */
export async function occlusion(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: OcclusionOptions = {},
): Promise<tf.Tensor4D> {
  await assertValidImages(images, model);
  const [batch, height, width] = images.shape;
  const window: Extent = parseExtent(
    options.window ?? [Math.max(1, Math.floor(height / 8)), Math.max(1, Math.floor(width / 8))],
    'options.window',
    [height, width],
  );
  const stride: Extent = parseExtent(
    options.stride ?? [Math.max(1, Math.floor(window[0] / 2)), Math.max(1, Math.floor(window[1] / 2))],
    'options.stride',
  );
  const { baseline = 0, scoreFn } = options;
  const requested = options.internalBatchSize;
  if (typeof baseline !== 'number' || !(baseline >= 0 && baseline <= 1)) {
    throw new InvalidArgumentError('options.baseline', 'a pixel value in [0, 1]', String(baseline));
  }
  checkInternalBatchSize(requested);
  checkMemoryBudget(options.memoryBudget);
  checkStepOptions(options);
  throwIfAborted(options.signal, 'occlusion');
  const targets = scoreFn ? [] : await resolveTargets(model, images, options.target);

  const baseScores = tf.tidy(() => scoreOf(model, targets, scoreFn)(images));
  const base = await baseScores.data();
  baseScores.dispose();

  const rows = windowStarts(height, window[0], stride[0]);
  const columns = windowStarts(width, window[1], stride[1]);
  const positions = rows.flatMap((top) => columns.map((left) => [top, left] as const));
  const jobs = Array.from({ length: batch * positions.length }, (_, index) => ({
    image: Math.floor(index / positions.length),
    position: positions[index % positions.length] as readonly [number, number],
  }));

  const chunking = createChunking({
    model,
    work: scoreFn ? undefined : 'forward',
    imagesPerUnit: 1,
    internalBatchSize: requested,
    memoryBudget: options.memoryBudget,
  });
  const pixels = height * width;
  const totals = new Float64Array(batch * pixels);
  const counts = new Float64Array(pixels);
  for (const [top, left] of positions) addWindow(counts, 0, width, top, left, window, 1);

  const evaluate = async (start: number, count: number) => {
    const chunk = jobs.slice(start, start + count);
    const scores = tf.tidy(() => {
      const masks = new Float32Array(chunk.length * pixels);
      for (const [index, { position }] of chunk.entries()) {
        addWindow(masks, index * pixels, width, position[0], position[1], window, 1);
      }
      const mask = tf.tensor4d(masks, [chunk.length, height, width, 1]);
      const originals = tf.gather(
        images,
        tf.tensor1d(
          chunk.map((job) => job.image),
          'int32',
        ),
      );
      const occluded = tf.add(tf.mul(originals, tf.sub(1, mask)), tf.mul(mask, baseline)) as tf.Tensor4D;
      const chunkTargets = scoreFn ? [] : chunk.map((job) => targets[job.image] as number);
      return scoreOf(model, chunkTargets, scoreFn)(occluded);
    });
    let values: Float32Array | Int32Array | Uint8Array;
    try {
      values = await scores.data();
    } finally {
      scores.dispose();
    }
    chunk.forEach(({ image, position: [top, left] }, index) => {
      const drop = (base[image] as number) - (values[index] as number);
      addWindow(totals, image * pixels, width, top, left, window, drop);
    });
  };
  const { onStep, signal } = options;
  await runChunks(chunking, jobs.length, evaluate, {
    name: 'occlusion',
    signal,
    progress: (step) => onStep?.({ step, numSteps: jobs.length }),
  });

  const result = new Float32Array(batch * pixels);
  for (let index = 0; index < result.length; index++) {
    result[index] = (totals[index] as number) / (counts[index % pixels] as number);
  }
  return tf.tensor4d(result, [batch, height, width, 1]);
}

/** Adds `value` to the `window` patch at `(top, left)` of the `width`-wide plane starting at `offset`. */
function addWindow(
  plane: Float32Array | Float64Array,
  offset: number,
  width: number,
  top: number,
  left: number,
  window: Extent,
  value: number,
): void {
  for (let row = top; row < top + window[0]; row++) {
    const rowStart = offset + row * width;
    for (let column = left; column < left + window[1]; column++) {
      plane[rowStart + column] = (plane[rowStart + column] as number) + value;
    }
  }
}
