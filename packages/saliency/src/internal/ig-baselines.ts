import { InvalidArgumentError, seededRandom, seededValues } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { checkStepCount } from './steps';

/** A baseline drawn from a distribution: Integrated Gradients is averaged over `samples` draws. */
export interface BaselineDistribution {
  /**
   * What to draw: `'uniform'` noise in `[0, 1]`, the input blurred with σ uniform in
   * `(0, blurSigma]`, or the given baselines (each `[1, H, W, C]` or `[N, H, W, C]`).
   */
  distribution: 'uniform' | 'blurred' | readonly tf.Tensor4D[];
  /**
   * How many baselines to draw, an integer in `[1, 10000]`. Default 10, or the array's length (which
   * it must then equal).
   */
  samples?: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
}

/**
 * The reference input Integrated Gradients integrates from: `'black'` (all 0), `'white'` (all 1),
 * `'blurred'` (a Gaussian blur of each input), `'uniform'` (seeded noise in `[0, 1]`), a tensor
 * (`[1, H, W, C]`, broadcast, or `[N, H, W, C]`), or a {@link BaselineDistribution}.
 */
export type Baseline = 'black' | 'white' | 'blurred' | 'uniform' | tf.Tensor4D | BaselineDistribution;

const NAMED = ['black', 'white', 'blurred', 'uniform'] as const;

/**
 * Makes baseline number `sample` as a new `[N, H, W, C]` tensor the caller disposes. Call
 * {@link validateBaseline} first.
 */
export type BaselineFactory = (sample: number) => tf.Tensor4D;

/** A validated baseline: how many samples it has and how to make each. */
export interface ResolvedBaseline {
  samples: number;
  make: BaselineFactory;
}

/** One 1-D Gaussian kernel of standard deviation `sigma`, `2r + 1` taps summing to 1. */
export function gaussianKernel(sigma: number, radius: number): Float32Array {
  const kernel = new Float32Array(2 * radius + 1);
  let total = 0;
  for (let offset = -radius; offset <= radius; offset++) {
    const value = Math.exp(-(offset * offset) / (2 * sigma * sigma));
    kernel[offset + radius] = value;
    total += value;
  }
  for (let i = 0; i < kernel.length; i++) kernel[i] = (kernel[i] as number) / total;
  return kernel;
}

/**
 * Gaussian blur of `[N, H, W, C]` images as two depthwise convolutions (a separable kernel,
 * radius `⌈3σ⌉` clipped to the image). Zero padding is divided out by blurring a ones image the
 * same way, so borders keep their brightness instead of darkening.
 * @param images - the images to blur.
 * @param sigma - the standard deviation in pixels, positive.
 * @returns a new tensor of the same shape.
 */
export function gaussianBlur(images: tf.Tensor4D, sigma: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [, height, width, channels] = images.shape;
    const radiusY = Math.min(Math.ceil(3 * sigma), height - 1);
    const radiusX = Math.min(Math.ceil(3 * sigma), width - 1);
    const kernelX = tf.tile(tf.tensor4d(gaussianKernel(sigma, radiusX), [1, 2 * radiusX + 1, 1, 1]), [
      1,
      1,
      channels,
      1,
    ]) as tf.Tensor4D;
    const kernelY = tf.tile(tf.tensor4d(gaussianKernel(sigma, radiusY), [2 * radiusY + 1, 1, 1, 1]), [
      1,
      1,
      channels,
      1,
    ]) as tf.Tensor4D;
    const blur = (x: tf.Tensor4D) =>
      tf.depthwiseConv2d(tf.depthwiseConv2d(x, kernelX, 1, 'same'), kernelY, 1, 'same');
    const coverage = blur(tf.ones([1, height, width, channels]));
    return tf.div(blur(images), coverage) as tf.Tensor4D;
  });
}

function checkBaselineTensor(value: unknown, images: tf.Tensor4D, argumentName: string): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const expected = `a float32 tensor [1 or ${batch}, ${height}, ${width}, ${channels}]`;
  if (!(value instanceof tf.Tensor)) {
    throw new InvalidArgumentError(argumentName, expected, value === null ? 'null' : typeof value);
  }
  if (value.isDisposed) throw new InvalidArgumentError(argumentName, expected, 'a disposed tensor');
  if (value.dtype !== 'float32')
    throw new InvalidArgumentError(argumentName, expected, `dtype ${value.dtype}`);
  const shape = value.shape;
  if (
    value.rank !== 4 ||
    (shape[0] !== 1 && shape[0] !== batch) ||
    shape[1] !== height ||
    shape[2] !== width ||
    shape[3] !== channels
  ) {
    throw new InvalidArgumentError(argumentName, expected, `shape [${shape}]`);
  }
  return value as tf.Tensor4D;
}

function checkSigma(sigma: number, argumentName: string): void {
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) {
    throw new InvalidArgumentError(argumentName, 'a positive number of pixels', String(sigma));
  }
}

function checkSeed(seed: unknown, argumentName: string): number {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new InvalidArgumentError(argumentName, 'a finite number', String(seed));
  }
  return seed;
}

function uniformNoise(images: tf.Tensor4D, seed: number): tf.Tensor4D {
  return tf.tensor4d(seededValues(images.size, seed, 0, 1), images.shape);
}

function broadcastCopy(baseline: tf.Tensor4D, images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.add(tf.zerosLike(images), baseline) as tf.Tensor4D);
}

/**
 * Validates `baseline` against `images` (throwing `InvalidArgumentError` before any tensor is made)
 * and returns how to make each sample.
 * @param baseline - the option value.
 * @param images - the validated `[N, H, W, C]` inputs.
 * @param blurSigma - σ in pixels of the `'blurred'` baseline.
 * @param seed - seed of the `'uniform'` baseline.
 */
export function validateBaseline(
  baseline: Baseline,
  images: tf.Tensor4D,
  blurSigma: number,
  seed: number,
): ResolvedBaseline {
  const name = 'options.baseline';
  checkSigma(blurSigma, 'options.blurSigma');
  checkSeed(seed, 'options.seed');
  if (typeof baseline === 'string') {
    switch (baseline) {
      case 'black':
        return { samples: 1, make: () => tf.zerosLike(images) };
      case 'white':
        return { samples: 1, make: () => tf.onesLike(images) };
      case 'blurred':
        return { samples: 1, make: () => gaussianBlur(images, blurSigma) };
      case 'uniform':
        return { samples: 1, make: () => uniformNoise(images, seed) };
      default:
        throw new InvalidArgumentError(
          name,
          `one of ${NAMED.join(', ')}, a tensor or a distribution`,
          `'${baseline}'`,
        );
    }
  }
  if (baseline instanceof tf.Tensor) {
    const checked = checkBaselineTensor(baseline, images, name);
    return { samples: 1, make: () => broadcastCopy(checked, images) };
  }
  if (typeof baseline !== 'object' || baseline === null || !('distribution' in baseline)) {
    throw new InvalidArgumentError(
      name,
      `one of ${NAMED.join(', ')}, a tensor or a distribution`,
      String(baseline),
    );
  }
  const { distribution } = baseline;
  const drawSeed = checkSeed(baseline.seed ?? 0, `${name}.seed`);
  if (Array.isArray(distribution)) {
    const list = (distribution as readonly unknown[]).map((value, index) =>
      checkBaselineTensor(value, images, `${name}.distribution[${index}]`),
    );
    const samples = baseline.samples ?? list.length;
    if (list.length === 0 || samples !== list.length) {
      throw new InvalidArgumentError(
        `${name}.samples`,
        `a non-empty list of baselines, as many as samples`,
        `${list.length} baselines, samples ${samples}`,
      );
    }
    return { samples, make: (sample) => broadcastCopy(list[sample] as tf.Tensor4D, images) };
  }
  const samples = baseline.samples ?? 10;
  checkStepCount(samples, `${name}.samples`);
  const next = seededRandom(drawSeed);
  // Each draw gets its own seed (noise) or σ (blur), fixed up front so samples are independent of order.
  const draws = Array.from({ length: samples }, () => next());
  if (distribution === 'uniform') {
    return {
      samples,
      make: (sample) => uniformNoise(images, Math.floor((draws[sample] as number) * 4294967296)),
    };
  }
  if (distribution === 'blurred') {
    return {
      samples,
      make: (sample) => gaussianBlur(images, blurSigma * (1 - (draws[sample] as number))),
    };
  }
  throw new InvalidArgumentError(
    `${name}.distribution`,
    "'uniform', 'blurred' or a list of baseline tensors",
    String(distribution),
  );
}
