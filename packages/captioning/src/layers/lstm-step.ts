import * as tf from '@tensorflow/tfjs-core';
import { lstmGateGradients, lstmGates } from '../internal/lstm-gates';
import { matMul, tidy } from '../internal/tidy';
import { assertShape, assertStepInputs } from '../internal/validate';

/** What {@link lstmStepBackward} needs from the forward step; it owns its tensors (`tf.dispose(cache)`). */
export type LstmStepCache = {
  /** Input `[N, D]`. */
  x: tf.Tensor2D;
  /** Previous hidden state `[N, H]`. */
  prevH: tf.Tensor2D;
  /** Previous cell state `[N, H]`. */
  prevC: tf.Tensor2D;
  /** `[D, 4H]`. */
  Wx: tf.Tensor2D;
  /** `[H, 4H]`. */
  Wh: tf.Tensor2D;
  /** Input gate `σ(a_i)` `[N, H]`. */
  i: tf.Tensor2D;
  /** Forget gate `σ(a_f)`. */
  f: tf.Tensor2D;
  /** Output gate `σ(a_o)`. */
  o: tf.Tensor2D;
  /** Block input `tanh(a_g)`. */
  g: tf.Tensor2D;
  /** `tanh(nextC)`. */
  tanhNextC: tf.Tensor2D;
};

/** Gradients of one LSTM step, named as in CS231n. */
export type LstmStepGradients = {
  dx: tf.Tensor2D;
  dprevH: tf.Tensor2D;
  dprevC: tf.Tensor2D;
  dWx: tf.Tensor2D;
  dWh: tf.Tensor2D;
  db: tf.Tensor1D;
};

/**
 * One LSTM timestep with CS231n's gate order and plain sigmoids: `a = x·Wx + prevH·Wh + b` split into
 * `[a_i, a_f, a_o, a_g]`, `i, f, o = σ(a_i), σ(a_f), σ(a_o)`, `g = tanh(a_g)`,
 * `nextC = f ⊙ prevC + i ⊙ g`, `nextH = o ⊙ tanh(nextC)`. (tfjs-layers' LSTM uses i, f, c, o and a
 * hard sigmoid, so its weights do not map onto these.)
 *
 * ```ts
 * const { nextH, nextC, cache } = lstmStepForward(x, prevH, prevC, Wx, Wh, b);
 * const grads = lstmStepBackward(dnextH, dnextC, cache);
 * tf.dispose(cache);
 * ```
 * Sources: Hochreiter and Schmidhuber 1997, "Long Short-Term Memory"; CS231n assignment 3,
 * `lstm_step_forward`.
 * @param x - input `[N, D]`.
 * @param prevH - previous hidden state `[N, H]`.
 * @param prevC - previous cell state `[N, H]`.
 * @param Wx - `[D, 4H]`.
 * @param Wh - `[H, 4H]`.
 * @param b - `[4H]`.
 * @returns the next hidden and cell states `[N, H]` and the cache for {@link lstmStepBackward}; the caller
 * disposes them.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function lstmStepForward(
  x: tf.Tensor2D,
  prevH: tf.Tensor2D,
  prevC: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { nextH: tf.Tensor2D; nextC: tf.Tensor2D; cache: LstmStepCache } {
  assertStepInputs(x, prevH, Wx, Wh, b, 4);
  assertShape('prevC', prevC, prevH.shape, ['N', 'H'], 'float32');
  return tidy(() => {
    const a = tf.add(tf.add(matMul(x, Wx), matMul(prevH, Wh)), b) as tf.Tensor2D;
    const { i, f, o, g } = lstmGates(a);
    const nextC = tf.add(tf.mul(f, prevC), tf.mul(i, g)) as tf.Tensor2D;
    const tanhNextC = tf.tanh(nextC);
    const nextH = tf.mul(o, tanhNextC) as tf.Tensor2D;
    const cache: LstmStepCache = {
      x: tf.clone(x),
      prevH: tf.clone(prevH),
      prevC: tf.clone(prevC),
      Wx: tf.clone(Wx),
      Wh: tf.clone(Wh),
      i,
      f,
      o,
      g,
      tanhNextC,
    };
    return { nextH, nextC, cache };
  });
}

/**
 * Backward pass of {@link lstmStepForward}. With `dc = dnextC + dnextH ⊙ o ⊙ (1 − tanh²(nextC))`:
 * `di = dc ⊙ g`, `df = dc ⊙ prevC`, `do = dnextH ⊙ tanh(nextC)`, `dg = dc ⊙ i`, `dprevC = dc ⊙ f`,
 * each taken through its nonlinearity into `da [N, 4H]`; then `dx = da·Wxᵀ`, `dprevH = da·Whᵀ`,
 * `dWx = xᵀ·da`, `dWh = prevHᵀ·da`, `db = Σₙ da`.
 *
 * ```ts
 * const { dx, dprevH, dprevC, dWx, dWh, db } = lstmStepBackward(dnextH, dnextC, cache);
 * ```
 * Sources: CS231n assignment 3, `lstm_step_backward`.
 * @param dnextH - upstream gradient of the next hidden state `[N, H]`.
 * @param dnextC - upstream gradient of the next cell state `[N, H]`.
 * @param cache - from the forward step (not disposed here).
 * @returns the gradients; the caller disposes them.
 */
export function lstmStepBackward(
  dnextH: tf.Tensor2D,
  dnextC: tf.Tensor2D,
  cache: LstmStepCache,
): LstmStepGradients {
  assertShape('dnextH', dnextH, cache.prevH.shape, ['N', 'H'], 'float32');
  assertShape('dnextC', dnextC, cache.prevH.shape, ['N', 'H'], 'float32');
  return tidy(() => {
    const { da, dprevC } = lstmGateGradients(dnextH, dnextC, cache, cache.prevC);
    return {
      dx: matMul(da, cache.Wx, false, true),
      dprevH: matMul(da, cache.Wh, false, true),
      dprevC: dprevC as tf.Tensor2D,
      dWx: matMul(cache.x, da, true, false),
      dWh: matMul(cache.prevH, da, true, false),
      db: tf.sum(da, 0) as tf.Tensor1D,
    };
  });
}
