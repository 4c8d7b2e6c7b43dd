import * as tf from '@tensorflow/tfjs-core';
import { matMul, tidy } from '../internal/tidy';
import { assertShape, assertStepInputs } from '../internal/validate';

/** What {@link rnnStepBackward} needs from the forward step; it owns its tensors (`tf.dispose(cache)`). */
export type RnnStepCache = {
  /** Input `[N, D]`. */
  x: tf.Tensor2D;
  /** Previous hidden state `[N, H]`. */
  prevH: tf.Tensor2D;
  /** Input-to-hidden weights `[D, H]`. */
  Wx: tf.Tensor2D;
  /** Hidden-to-hidden weights `[H, H]`. */
  Wh: tf.Tensor2D;
  /** The step's output `[N, H]`. */
  nextH: tf.Tensor2D;
};

/** Gradients of one vanilla RNN step, named as in CS231n. */
export type RnnStepGradients = {
  dx: tf.Tensor2D;
  dprevH: tf.Tensor2D;
  dWx: tf.Tensor2D;
  dWh: tf.Tensor2D;
  db: tf.Tensor1D;
};

/**
 * One timestep of a vanilla RNN with tanh: `nextH = tanh(x·Wx + prevH·Wh + b)`.
 *
 * ```ts
 * const { nextH, cache } = rnnStepForward(x, prevH, Wx, Wh, b);
 * const grads = rnnStepBackward(dnextH, cache);
 * tf.dispose(cache);
 * ```
 * Sources: CS231n assignment 3, `rnn_step_forward`.
 * @param x - input `[N, D]`.
 * @param prevH - previous hidden state `[N, H]`.
 * @param Wx - `[D, H]`.
 * @param Wh - `[H, H]`.
 * @param b - `[H]`.
 * @returns the next hidden state `[N, H]` and the cache for {@link rnnStepBackward}; the caller disposes both.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function rnnStepForward(
  x: tf.Tensor2D,
  prevH: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { nextH: tf.Tensor2D; cache: RnnStepCache } {
  assertStepInputs(x, prevH, Wx, Wh, b, 1);
  return tidy(() => {
    const nextH = tf.tanh(tf.add(tf.add(matMul(x, Wx), matMul(prevH, Wh)), b)) as tf.Tensor2D;
    const cache: RnnStepCache = {
      x: tf.clone(x),
      prevH: tf.clone(prevH),
      Wx: tf.clone(Wx),
      Wh: tf.clone(Wh),
      nextH: tf.clone(nextH),
    };
    return { nextH, cache };
  });
}

/**
 * Backward pass of {@link rnnStepForward}: with `da = dnextH ⊙ (1 − nextH²)`, `dx = da·Wxᵀ`,
 * `dprevH = da·Whᵀ`, `dWx = xᵀ·da`, `dWh = prevHᵀ·da`, `db = Σₙ da`.
 *
 * ```ts
 * const { dx, dprevH, dWx, dWh, db } = rnnStepBackward(dnextH, cache);
 * ```
 * Sources: CS231n assignment 3, `rnn_step_backward`.
 * @param dnextH - upstream gradient `[N, H]`.
 * @param cache - from the forward step (not disposed here).
 * @returns the gradients; the caller disposes them.
 */
export function rnnStepBackward(dnextH: tf.Tensor2D, cache: RnnStepCache): RnnStepGradients {
  assertShape('dnextH', dnextH, cache.nextH.shape, ['N', 'H'], 'float32');
  return tidy(() => {
    const da = tf.mul(dnextH, tf.sub(1, tf.square(cache.nextH))) as tf.Tensor2D;
    return {
      dx: matMul(da, cache.Wx, false, true),
      dprevH: matMul(da, cache.Wh, false, true),
      dWx: matMul(cache.x, da, true, false),
      dWh: matMul(cache.prevH, da, true, false),
      db: tf.sum(da, 0) as tf.Tensor1D,
    };
  });
}
