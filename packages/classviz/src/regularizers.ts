import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { gaussianBlur } from './internal/gaussian-blur';

/**
 * A penalty on the optimised image, one value per image, subtracted (times `weight`) from the
 * objective by `visualizeFeature`. It sees the parameterised image in `[0, 1]` before transforms,
 * like Lucid's penalties on `T("input")`.
 *
 * ```ts
 * const regularizers: Regularizer[] = [l1(0.01, { center: 0.5 }), totalVariation(0.05)];
 * ```
 */
export interface Regularizer {
  /** A readable description, e.g. `totalVariation(0.05)`. */
  readonly description: string;
  /** The factor the penalty is multiplied by. */
  readonly weight: number;
  /** The unweighted penalty of each image, `[N]`, differentiable. */
  penalty(images: tf.Tensor4D): tf.Tensor1D;
}

function assertWeight(weight: unknown): number {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
    throw new InvalidArgumentError('weight', 'a finite number ≥ 0', String(weight));
  }
  return weight;
}

function assertCenter(center: unknown): number {
  if (typeof center !== 'number' || !Number.isFinite(center)) {
    throw new InvalidArgumentError('options.center', 'a finite number', String(center));
  }
  return center;
}

const perImage = (values: tf.Tensor): tf.Tensor1D => tf.sum(values, [1, 2, 3]) as tf.Tensor1D;

/**
 * `weight · Σ|x − center|` (Lucid's `L1`): favours images that stay at `center` where the feature
 * does not need them.
 *
 * ```ts
 * const { images } = await visualizeFeature(model, channel('conv1', 0), { regularizers: [l1(0.01, { center: 0.5 })] });
 * ```
 * @param weight - the penalty's weight (≥ 0).
 * @param options - `center`, default 0.
 * @returns the regulariser.
 */
export function l1(weight: number, options: { center?: number } = {}): Regularizer {
  const factor = assertWeight(weight);
  const center = assertCenter(options.center ?? 0);
  return {
    description: `l1(${factor})`,
    weight: factor,
    penalty: (images) => tf.tidy(() => perImage(tf.abs(tf.sub(images, center)))),
  };
}

/**
 * `weight · Σ(x − center)²`, the squared L2 norm of CS231n's class visualization (`l2_reg·‖I‖²`).
 *
 * ```ts
 * const { images } = await visualizeFeature(model, classLogit(3), { regularizers: [l2(1e-3)] });
 * ```
 * @param weight - the penalty's weight (≥ 0).
 * @param options - `center`, default 0.
 * @returns the regulariser.
 */
export function l2(weight: number, options: { center?: number } = {}): Regularizer {
  const factor = assertWeight(weight);
  const center = assertCenter(options.center ?? 0);
  return {
    description: `l2(${factor})`,
    weight: factor,
    penalty: (images) => tf.tidy(() => perImage(tf.square(tf.sub(images, center)))),
  };
}

/**
 * `weight · Σ(|x[i+1, j] − x[i, j]| + |x[i, j+1] − x[i, j]|)`, the anisotropic total variation of
 * `tf.image.total_variation` (Lucid's `total_variation`): favours piecewise-smooth images.
 *
 * ```ts
 * const { images } = await visualizeFeature(model, channel('conv2', 5), { regularizers: [totalVariation(0.05)] });
 * ```
 * Sources: Mahendran and Vedaldi 2015, "Understanding Deep Image Representations by Inverting Them".
 * @param weight - the penalty's weight (≥ 0).
 * @returns the regulariser.
 */
export function totalVariation(weight: number): Regularizer {
  const factor = assertWeight(weight);
  return {
    description: `totalVariation(${factor})`,
    weight: factor,
    penalty: (images) =>
      tf.tidy(() => {
        const [batch, height, width, channels] = images.shape;
        const down = tf.sub(
          tf.slice(images, [0, 1, 0, 0], [batch, height - 1, width, channels]),
          tf.slice(images, [0, 0, 0, 0], [batch, height - 1, width, channels]),
        );
        const right = tf.sub(
          tf.slice(images, [0, 0, 1, 0], [batch, height, width - 1, channels]),
          tf.slice(images, [0, 0, 0, 0], [batch, height, width - 1, channels]),
        );
        return tf.add(perImage(tf.abs(down)), perImage(tf.abs(right))) as tf.Tensor1D;
      }),
  };
}

// Identity forwards, zero backwards: the blurred target is a constant of each step.
const stopGradient = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

/**
 * `weight · ½Σ(x − stopGradient(blur(x)))²` (Lucid's `blur_input_each_step`): its gradient
 * `x − blur(x)` pulls every step towards a blurred copy, a differentiable version of CS231n's
 * periodic blur.
 *
 * ```ts
 * const { images } = await visualizeFeature(model, channel('conv2', 5), { regularizers: [blurPenalty(0.5)] });
 * ```
 * @param weight - the penalty's weight (≥ 0).
 * @param options - `sigma` of the Gaussian blur in pixels, default 1.
 * @returns the regulariser.
 */
export function blurPenalty(weight: number, options: { sigma?: number } = {}): Regularizer {
  const factor = assertWeight(weight);
  const sigma = options.sigma ?? 1;
  if (typeof sigma !== 'number' || !(sigma > 0) || !Number.isFinite(sigma)) {
    throw new InvalidArgumentError('options.sigma', 'a finite number > 0', String(sigma));
  }
  return {
    description: `blurPenalty(${factor})`,
    weight: factor,
    penalty: (images) =>
      tf.tidy(() => {
        const target = stopGradient(gaussianBlur(images, sigma));
        return tf.mul(0.5, perImage(tf.square(tf.sub(images, target)))) as tf.Tensor1D;
      }),
  };
}

/** Throws `InvalidArgumentError` unless `regularizers` is an array of {@link Regularizer}. */
export function assertRegularizers(regularizers: unknown, argument: string): readonly Regularizer[] {
  if (!Array.isArray(regularizers)) {
    throw new InvalidArgumentError(argument, 'an array of regularizers', String(regularizers));
  }
  regularizers.forEach((regularizer, index) => {
    if (typeof (regularizer as Partial<Regularizer> | null)?.penalty !== 'function') {
      throw new InvalidArgumentError(
        `${argument}[${index}]`,
        'a Regularizer (l1, l2, totalVariation, blurPenalty)',
        String(regularizer),
      );
    }
  });
  return regularizers as readonly Regularizer[];
}
