import * as tf from '@tensorflow/tfjs-core';
import { type GruGateValues, gruGateGradients, gruStep } from '../internal/gru-gates';
import { matMul, tidy } from '../internal/tidy';
import { assertShape, assertStepInputs } from '../internal/validate';

/** What {@link gruStepBackward} needs from the forward step; it owns its tensors (`tf.dispose(cache)`). */
export type GruStepCache = GruGateValues & {
  /** Input `[N, D]`. */
  x: tf.Tensor2D;
  /** Previous hidden state `[N, H]`. */
  prevH: tf.Tensor2D;
  /** `[D, 3H]`. */
  Wx: tf.Tensor2D;
  /** `[H, 3H]`. */
  Wh: tf.Tensor2D;
};

/** Gradients of one GRU step. */
export type GruStepGradients = {
  dx: tf.Tensor2D;
  dprevH: tf.Tensor2D;
  dWx: tf.Tensor2D;
  dWh: tf.Tensor2D;
  db: tf.Tensor1D;
};

/**
 * One GRU timestep in the parameter layout of the other cells (`Wx [D, 3H]`, `Wh [H, 3H]`, `b [3H]`,
 * blocks r, z, n): `r = σ(x·Wx_r + prevH·Wh_r + b_r)`, `z = σ(x·Wx_z + prevH·Wh_z + b_z)`,
 * `n = tanh(x·Wx_n + b_n + r ⊙ (prevH·Wh_n))`, `nextH = (1 − z) ⊙ n + z ⊙ prevH`. This is PyTorch's
 * `nn.GRU` with its hidden bias `b_hn` fixed at zero.
 *
 * ```ts
 * const { nextH, cache } = gruStepForward(x, prevH, Wx, Wh, b);
 * const grads = gruStepBackward(dnextH, cache);
 * tf.dispose(cache);
 * ```
 * Sources: Cho et al. 2014, "Learning Phrase Representations using RNN Encoder–Decoder for
 * Statistical Machine Translation".
 * @param x - input `[N, D]`.
 * @param prevH - previous hidden state `[N, H]`.
 * @param Wx - `[D, 3H]`.
 * @param Wh - `[H, 3H]`.
 * @param b - `[3H]`.
 * @returns the next hidden state `[N, H]` and the cache for {@link gruStepBackward}; the caller disposes both.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function gruStepForward(
  x: tf.Tensor2D,
  prevH: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { nextH: tf.Tensor2D; cache: GruStepCache } {
  assertStepInputs(x, prevH, Wx, Wh, b, 3);
  return tidy(() => {
    const { nextH, values } = gruStep(tf.add(matMul(x, Wx), b), prevH, Wh);
    const cache: GruStepCache = {
      x: tf.clone(x),
      prevH: tf.clone(prevH),
      Wx: tf.clone(Wx),
      Wh: tf.clone(Wh),
      ...values,
    };
    return { nextH, cache };
  });
}

/**
 * Backward pass of {@link gruStepForward}.
 *
 * ```ts
 * const { dx, dprevH, dWx, dWh, db } = gruStepBackward(dnextH, cache);
 * ```
 * @param dnextH - upstream gradient `[N, H]`.
 * @param cache - from the forward step (not disposed here).
 * @returns the gradients; the caller disposes them.
 */
export function gruStepBackward(dnextH: tf.Tensor2D, cache: GruStepCache): GruStepGradients {
  assertShape('dnextH', dnextH, cache.prevH.shape, ['N', 'H'], 'float32');
  return tidy(() => {
    const { dInputA, dHiddenA, dprevHDirect } = gruGateGradients(dnextH, cache, cache.prevH);
    return {
      dx: matMul(dInputA, cache.Wx, false, true),
      dprevH: tf.add(matMul(dHiddenA, cache.Wh, false, true), dprevHDirect) as tf.Tensor2D,
      dWx: matMul(cache.x, dInputA, true, false),
      dWh: matMul(cache.prevH, dHiddenA, true, false),
      db: tf.sum(dInputA, 0) as tf.Tensor1D,
    };
  });
}
