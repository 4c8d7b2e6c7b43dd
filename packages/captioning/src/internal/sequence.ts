import * as tf from '@tensorflow/tfjs-core';
import { matMul } from './tidy';

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

/** What every recurrent layer's sequence cache holds besides its per-step values. */
export type SequenceTensors = {
  x: tf.Tensor3D;
  h0: tf.Tensor2D;
  Wx: tf.Tensor2D;
  Wh: tf.Tensor2D;
  h: tf.Tensor3D;
};

/** The gradients of a recurrent layer over a sequence (RNN, GRU and LSTM alike). */
export type SequenceGradients = {
  dx: tf.Tensor3D;
  dh0: tf.Tensor2D;
  dWx: tf.Tensor2D;
  dWh: tf.Tensor2D;
  db: tf.Tensor1D;
};

/** Clones of the inputs, weights and states a backward pass reads, for a cache that owns them. */
export function keepSequenceTensors({ x, h0, Wx, Wh, h }: SequenceTensors): SequenceTensors {
  return { x: tf.clone(x), h0: tf.clone(h0), Wx: tf.clone(Wx), Wh: tf.clone(Wh), h: tf.clone(h) };
}

/**
 * The input, weight and bias gradients of every timestep at once (one matMul each), from the
 * time-major `[T·N, ·]` gradients of the pre-activations: `dInput` of `x·Wx + b` and `dHidden` of
 * `h·Wh` (the same tensor for RNN and LSTM; GRU's reset gate tells them apart).
 *
 * @param statesRows - `toTimeMajor(cache.h)`.
 * @param dh0 - the gradient that reached `h0`.
 */
export function sequenceGradients(
  cache: SequenceTensors,
  statesRows: tf.Tensor2D,
  dInput: tf.Tensor2D,
  dHidden: tf.Tensor2D,
  dh0: tf.Tensor2D,
): SequenceGradients {
  const [n, t] = cache.h.shape;
  return {
    dx: fromTimeMajor(matMul(dInput, cache.Wx, false, true), n, t),
    dh0,
    dWx: matMul(toTimeMajor(cache.x), dInput, true, false),
    dWh: matMul(previousStates(cache.h0, statesRows), dHidden, true, false),
    db: tf.sum(dInput, 0) as tf.Tensor1D,
  };
}
