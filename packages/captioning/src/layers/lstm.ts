import * as tf from '@tensorflow/tfjs-core';
import { lstmGateGradients, lstmGates } from '../internal/lstm-gates';
import {
  concatSteps,
  fromTimeMajor,
  keepSequenceTensors,
  sequenceGradients,
  splitSteps,
  toTimeMajor,
} from '../internal/sequence';
import { matMul, tidy } from '../internal/tidy';
import { assertSequenceInputs, assertShape } from '../internal/validate';

/** The per-timestep values {@link lstmBackward} needs (one entry per step, each `[N, H]`). */
export type LstmStepValues = {
  i: tf.Tensor2D;
  f: tf.Tensor2D;
  o: tf.Tensor2D;
  g: tf.Tensor2D;
  /** Cell state after the step. */
  c: tf.Tensor2D;
  tanhNextC: tf.Tensor2D;
};

/**
 * What {@link lstmBackward} needs from {@link lstmForward}: the inputs, every hidden state and each
 * step's gates and cell state (CS231n's list of step caches). It owns its tensors (`tf.dispose(cache)`).
 */
export type LstmCache = {
  /** Inputs `[N, T, D]`. */
  x: tf.Tensor3D;
  /** Initial hidden state `[N, H]` (the initial cell state is zero). */
  h0: tf.Tensor2D;
  /** `[D, 4H]`. */
  Wx: tf.Tensor2D;
  /** `[H, 4H]`. */
  Wh: tf.Tensor2D;
  /** Every hidden state `[N, T, H]`. */
  h: tf.Tensor3D;
  /** Gates and cell state of each timestep. */
  steps: LstmStepValues[];
};

/** Gradients of an LSTM over a sequence, named as in CS231n. */
export type LstmGradients = {
  dx: tf.Tensor3D;
  dh0: tf.Tensor2D;
  dWx: tf.Tensor2D;
  dWh: tf.Tensor2D;
  db: tf.Tensor1D;
};

/**
 * An LSTM over a whole sequence from `h0` and a zero cell state, with the step of
 * {@link lstmStepForward} (gates i, f, o, g; plain sigmoid). The input products `x_t·Wx` of all
 * timesteps are one matMul.
 *
 * ```ts
 * const { h, cache } = lstmForward(x, h0, Wx, Wh, b); // h: [N, T, H]
 * const { dx, dh0, dWx, dWh, db } = lstmBackward(dh, cache);
 * tf.dispose(cache);
 * ```
 * Sources: CS231n assignment 3, `lstm_forward`.
 * @param x - inputs `[N, T, D]`.
 * @param h0 - initial hidden state `[N, H]`.
 * @param Wx - `[D, 4H]`.
 * @param Wh - `[H, 4H]`.
 * @param b - `[4H]`.
 * @returns the hidden states `[N, T, H]` and the cache for {@link lstmBackward}; the caller disposes both.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function lstmForward(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { h: tf.Tensor3D; cache: LstmCache } {
  assertSequenceInputs(x, h0, Wx, Wh, b, 4);
  return tidy(() => {
    const [n, t] = x.shape;
    const inputs = splitSteps(tf.add(matMul(toTimeMajor(x), Wx), b), t);
    const steps: LstmStepValues[] = [];
    const states: tf.Tensor2D[] = [];
    let prevH = h0;
    let prevC: tf.Tensor2D = tf.zerosLike(h0);
    for (const input of inputs) {
      const { i, f, o, g } = lstmGates(tf.add(input, matMul(prevH, Wh)) as tf.Tensor2D);
      const c = tf.add(tf.mul(f, prevC), tf.mul(i, g)) as tf.Tensor2D;
      const tanhNextC = tf.tanh(c);
      prevH = tf.mul(o, tanhNextC) as tf.Tensor2D;
      prevC = c;
      states.push(prevH);
      steps.push({ i, f, o, g, c, tanhNextC });
    }
    const h = fromTimeMajor(concatSteps(states), n, t);
    const cache: LstmCache = { ...keepSequenceTensors({ x, h0, Wx, Wh, h }), steps };
    return { h, cache };
  });
}

/**
 * Backward pass of {@link lstmForward}: backpropagation through time with {@link lstmStepBackward}'s
 * equations, carrying `dh` and `dc` from step `t + 1` to step `t`. The weight and input gradients of
 * all timesteps are one matMul each.
 *
 * ```ts
 * const { dx, dh0, dWx, dWh, db } = lstmBackward(dh, cache);
 * ```
 * Sources: CS231n assignment 3, `lstm_backward`.
 * @param dh - upstream gradient of every hidden state `[N, T, H]`.
 * @param cache - from {@link lstmForward} (not disposed here).
 * @returns the gradients; the caller disposes them.
 */
export function lstmBackward(dh: tf.Tensor3D, cache: LstmCache): LstmGradients {
  assertShape('dh', dh, cache.h.shape, ['N', 'T', 'H'], 'float32');
  return tidy(() => {
    const t = cache.h.shape[1];
    const upstream = splitSteps(toTimeMajor(dh), t);
    // Whᵀ once, not a transposed product per step.
    const WhT = tf.transpose(cache.Wh) as tf.Tensor2D;
    const das: tf.Tensor2D[] = new Array(t);
    const zeros = tf.zerosLike(cache.h0) as tf.Tensor2D;
    let dprevH = zeros;
    let dprevC = zeros;
    for (let step = t - 1; step >= 0; step--) {
      const values = cache.steps[step] as LstmStepValues;
      const prevC = step > 0 ? (cache.steps[step - 1] as LstmStepValues).c : zeros;
      const { da, dprevC: dc } = lstmGateGradients(
        tf.add(upstream[step] as tf.Tensor2D, dprevH),
        dprevC,
        values,
        prevC,
      );
      das[step] = da;
      dprevH = matMul(da, WhT);
      dprevC = dc as tf.Tensor2D;
    }
    const da = concatSteps(das);
    return sequenceGradients(cache, toTimeMajor(cache.h), da, da, dprevH);
  });
}
