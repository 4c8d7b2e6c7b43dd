import * as tf from '@tensorflow/tfjs-core';
import { expectTensorsClose } from './expect-tensors-close';

/** Options for {@link numericGradient} and {@link checkGradient}. */
export interface NumericGradientOptions {
  /** Step of the centered difference, in input units. Default 1e-2 (float32 round-off grows as 1/delta). */
  delta?: number;
}

/**
 * The centered-difference gradient `(f(x + δeᵢ) − f(x − δeᵢ)) / 2δ` of a scalar function, one
 * element at a time, computed in float32 on the active backend. Cost: 2·size(x) evaluations.
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
  for (let i = 0; i < base.length; i++) {
    const original = base[i] as number;
    base[i] = original + delta;
    const plus = await evaluate(base);
    base[i] = original - delta;
    const minus = await evaluate(base);
    base[i] = original;
    gradient[i] = (plus - minus) / (2 * delta);
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
