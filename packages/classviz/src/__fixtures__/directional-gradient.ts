import { checkGradient, seededValues } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';

/**
 * `checkGradient` of `f` at `x` along `count` seeded random directions: the analytic gradient of
 * `z ↦ f(x + Σ z_k d_k)` at 0 is `⟨∇f(x), d_k⟩`, so this checks the full gradient's projections with
 * `2·count` evaluations instead of `2·size(x)` (numeric checks on WebGPU cost a dispatch each).
 */
export async function checkDirectionalGradient<T extends tf.Tensor>(
  f: (x: T) => tf.Scalar,
  x: T,
  options: { count?: number; seed?: number; delta?: number; tolerance?: number } = {},
): Promise<void> {
  const count = options.count ?? 6;
  const directions = tf.tensor2d(seededValues(count * x.size, options.seed ?? 17, -1, 1), [count, x.size]);
  const origin = tf.zeros([count]);
  try {
    await checkGradient(
      (z: tf.Tensor) =>
        f(tf.add(x, tf.reshape(tf.matMul(tf.reshape(z, [1, count]), directions), x.shape)) as T),
      origin,
      { delta: options.delta ?? 1e-3, tolerance: options.tolerance ?? 1e-2 },
    );
  } finally {
    tf.dispose([directions, origin]);
  }
}
