import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '../errors';
import { expectTensorsClose } from './expect-tensors-close';

/** Options for {@link numericGradient} and {@link checkGradient}. */
export interface NumericGradientOptions {
  /**
   * Step of the centered difference, in input units. Default 1e-2 (float32 round-off grows as
   * 1/delta). Where a kink (ReLU, max-pool switch) lies within the step, it is shrunk to delta/4,
   * then delta/16, for that element.
   */
  delta?: number;
}

/** How many times a step is quartered, at most, to get a kink out of it (delta/16 at the end). */
const REFINEMENTS = 2;
/** One-sided slopes that differ by more than this, relative to the larger, reveal a kink. */
const KINK_RELATIVE = 1e-2;
const FLOAT32_EPSILON = 2 ** -23;

/**
 * The centered-difference gradient `(f(x + δeᵢ) − f(x − δeᵢ)) / 2δ` of a scalar function, one
 * element at a time, computed in float32 on the active backend. The steps are the float32 values
 * actually reached (`fl(x + δ) − x`), not δ itself.
 *
 * A centered difference across a kink is wrong by up to half the change of slope: an overlapping max
 * pool whose window's two largest values are closer than δ switches its maximum inside the step.
 * So the one-sided slopes `(f(x + δ) − f(x)) / δ` and `(f(x) − f(x − δ)) / δ` are compared as well:
 * where they differ by more than 1 % of the larger plus float32 round-off, the step is quartered
 * (down to δ/16) until they agree. A smooth function's one-sided slopes differ by its curvature
 * times δ, so a strongly curved element can take a smaller step too, which only costs evaluations;
 * an element that never agrees (a kink closer than δ/16) keeps the centered difference at δ.
 * Cost: 1 + 2·size(x) evaluations, up to 2·(1 + 2)·size(x) where steps shrink.
 * @param f - a scalar function of `x`.
 * @param x - the point; small tensors only.
 * @returns a tensor shaped like `x` (the caller disposes it).
 */
export async function numericGradient<T extends tf.Tensor>(
  f: (x: T) => tf.Scalar,
  x: T,
  options: NumericGradientOptions = {},
): Promise<T> {
  const delta = options.delta ?? 1e-2;
  const base = Float32Array.from(await x.data());
  const gradient = new Float32Array(base.length);
  const evaluate = async (values: Float32Array): Promise<number> => {
    const value = tf.tidy(() => f(tf.tensor(values, x.shape, 'float32') as T));
    const [result] = await value.data();
    value.dispose();
    return result as number;
  };
  const atX = await evaluate(base);
  const rounded = new Float32Array(1);
  const toFloat32 = (value: number): number => {
    rounded[0] = value;
    return rounded[0] as number;
  };
  for (let i = 0; i < base.length; i++) {
    const original = base[i] as number;
    let fallback: number | undefined;
    let accepted: number | undefined;
    for (let level = 0, step = delta; level <= REFINEMENTS && accepted === undefined; level++, step /= 4) {
      const up = toFloat32(original + step);
      const down = toFloat32(original - step);
      if (up === original || down === original) {
        // A step below the float32 spacing of the value moves nothing; a refinement keeps what was found.
        if (level > 0) break;
        throw new InvalidArgumentError(
          'options.delta',
          `a step that changes x[${i}] = ${original} in float32`,
          String(delta),
        );
      }
      base[i] = up;
      const plus = await evaluate(base);
      base[i] = down;
      const minus = await evaluate(base);
      base[i] = original;
      const centered = (plus - minus) / (up - down);
      fallback ??= centered;
      const forward = (plus - atX) / (up - original);
      const backward = (atX - minus) / (original - down);
      // What float32 evaluation alone can make the slopes differ by.
      const roundOff =
        (8 * FLOAT32_EPSILON * Math.max(Math.abs(plus), Math.abs(atX), Math.abs(minus))) / step;
      const agreement = KINK_RELATIVE * Math.max(Math.abs(forward), Math.abs(backward)) + roundOff;
      if (Math.abs(forward - backward) <= agreement) accepted = centered;
    }
    gradient[i] = accepted ?? (fallback as number);
  }
  return tf.tensor(gradient, x.shape, 'float32') as T;
}

/**
 * Asserts that tfjs' analytic gradient of `f` at `x` equals the centered-difference gradient,
 * within `tolerance` relative to the largest gradient element (default 1e-2, for float32 differences).
 */
export async function checkGradient<T extends tf.Tensor>(
  f: (x: T) => tf.Scalar,
  x: T,
  options: NumericGradientOptions & { tolerance?: number } = {},
): Promise<void> {
  const analytic = tf.grad(f as (x: tf.Tensor) => tf.Scalar)(x);
  const numeric = await numericGradient(f, x, options);
  try {
    const tolerance = options.tolerance ?? 1e-2;
    await expectTensorsClose(analytic, numeric, { rtol: tolerance, atol: tolerance });
  } finally {
    analytic.dispose();
    numeric.dispose();
  }
}
