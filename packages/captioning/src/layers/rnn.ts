import * as tf from '@tensorflow/tfjs-core';
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

/**
 * What {@link rnnBackward} needs from {@link rnnForward}: the inputs and every hidden state (CS231n
 * keeps one step cache per timestep; these hold the same values). It owns its tensors (`tf.dispose(cache)`).
 */
export type RnnCache = {
  /** Inputs `[N, T, D]`. */
  x: tf.Tensor3D;
  /** Initial hidden state `[N, H]`. */
  h0: tf.Tensor2D;
  /** `[D, H]`. */
  Wx: tf.Tensor2D;
  /** `[H, H]`. */
  Wh: tf.Tensor2D;
  /** Every hidden state `[N, T, H]`. */
  h: tf.Tensor3D;
};

/** Gradients of a vanilla RNN over a sequence, named as in CS231n. */
export type RnnGradients = {
  dx: tf.Tensor3D;
  dh0: tf.Tensor2D;
  dWx: tf.Tensor2D;
  dWh: tf.Tensor2D;
  db: tf.Tensor1D;
};

/**
 * A vanilla RNN over a whole sequence: `h_t = tanh(x_t·Wx + h_{t−1}·Wh + b)` from `h0`.
 *
 * ```ts
 * const { h, cache } = rnnForward(x, h0, Wx, Wh, b); // h: [N, T, H]
 * const { dx, dh0, dWx, dWh, db } = rnnBackward(dh, cache);
 * tf.dispose(cache);
 * ```
 * Sources: CS231n assignment 3, `rnn_forward`.
 * @param x - inputs `[N, T, D]`.
 * @param h0 - initial hidden state `[N, H]`.
 * @param Wx - `[D, H]`.
 * @param Wh - `[H, H]`.
 * @param b - `[H]`.
 * @returns the hidden states `[N, T, H]` and the cache for {@link rnnBackward}; the caller disposes both.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function rnnForward(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { h: tf.Tensor3D; cache: RnnCache } {
  assertSequenceInputs(x, h0, Wx, Wh, b, 1);
  return tidy(() => {
    const [n, t] = x.shape;
    const inputs = splitSteps(tf.add(matMul(toTimeMajor(x), Wx), b), t);
    const states: tf.Tensor2D[] = [];
    let prev = h0;
    for (const input of inputs) {
      prev = tf.tanh(tf.add(input, matMul(prev, Wh))) as tf.Tensor2D;
      states.push(prev);
    }
    const h = fromTimeMajor(concatSteps(states), n, t);
    const cache: RnnCache = keepSequenceTensors({ x, h0, Wx, Wh, h });
    return { h, cache };
  });
}

/**
 * Backward pass of {@link rnnForward}: backpropagation through time, where the gradient reaching
 * `h_t` is the upstream `dh[:, t]` plus what flows back from step `t + 1`.
 *
 * ```ts
 * const { dx, dh0, dWx, dWh, db } = rnnBackward(dh, cache);
 * ```
 * Sources: CS231n assignment 3, `rnn_backward`.
 * @param dh - upstream gradient of every hidden state `[N, T, H]`.
 * @param cache - from {@link rnnForward} (not disposed here).
 * @returns the gradients; the caller disposes them.
 */
export function rnnBackward(dh: tf.Tensor3D, cache: RnnCache): RnnGradients {
  assertShape('dh', dh, cache.h.shape, ['N', 'T', 'H'], 'float32');
  return tidy(() => {
    const t = cache.h.shape[1];
    const upstream = splitSteps(toTimeMajor(dh), t);
    const statesRows = toTimeMajor(cache.h);
    const states = splitSteps(statesRows, t);
    // Whᵀ once, not a transposed product per step.
    const WhT = tf.transpose(cache.Wh) as tf.Tensor2D;
    const das: tf.Tensor2D[] = new Array(t);
    let dprev: tf.Tensor2D = tf.zerosLike(cache.h0);
    for (let step = t - 1; step >= 0; step--) {
      const state = states[step] as tf.Tensor2D;
      const da = tf.mul(
        tf.add(upstream[step] as tf.Tensor2D, dprev),
        tf.sub(1, tf.square(state)),
      ) as tf.Tensor2D;
      das[step] = da;
      dprev = matMul(da, WhT);
    }
    const da = concatSteps(das);
    return sequenceGradients(cache, statesRows, da, da, dprev);
  });
}
