import * as tf from '@tensorflow/tfjs-core';

// The sequence layers take and return CS231n's batch-major `[N, T, K]` tensors but work time-major
// inside: with `[T·N, K]` rows, each timestep is a contiguous block of `N` rows, so splitting into
// steps and stacking them back are plain copies (slicing `[:, t]` out of `[N, T, K]` is a strided
// gather that costs more than the step's own math on wasm), and the input and weight-gradient
// products of all timesteps are one matMul each.

/** `[N, T, K] → [N·T, K]`, batch-major rows. */
export function flatten(x: tf.Tensor3D): tf.Tensor2D {
  const [n, t, k] = x.shape;
  return tf.reshape(x, [n * t, k]);
}

/** `[N, T, K] → [T·N, K]`, time-major rows. */
export function toTimeMajor(x: tf.Tensor3D): tf.Tensor2D {
  const [n, t, k] = x.shape;
  return tf.reshape(tf.transpose(x, [1, 0, 2]), [t * n, k]);
}

/** `[T·N, K]` time-major rows → `[N, T, K]`. */
export function fromTimeMajor(rows: tf.Tensor2D, n: number, t: number): tf.Tensor3D {
  return tf.transpose(tf.reshape(rows, [t, n, rows.shape[1]]), [1, 0, 2]);
}

/** The `T` blocks of `N` rows of time-major `[T·N, K]` rows. */
export function splitSteps(rows: tf.Tensor2D, t: number): tf.Tensor2D[] {
  return t === 1 ? [rows] : (tf.split(rows, t, 0) as tf.Tensor2D[]);
}

/** Stacks `T` step tensors `[N, K]` into time-major `[T·N, K]` rows. */
export function concatSteps(steps: tf.Tensor2D[]): tf.Tensor2D {
  return steps.length === 1 ? (steps[0] as tf.Tensor2D) : tf.concat(steps, 0);
}

/** The hidden state each step started from, time-major `[T·N, H]`: `h0`, then every state but the last. */
export function previousStates(h0: tf.Tensor2D, states: tf.Tensor2D): tf.Tensor2D {
  const n = h0.shape[0];
  const t = states.shape[0] / n;
  if (t === 1) return h0;
  return tf.concat([h0, tf.slice(states, [0, 0], [(t - 1) * n, states.shape[1]])], 0);
}
