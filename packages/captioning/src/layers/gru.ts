import * as tf from '@tensorflow/tfjs-core';
import { type GruGateValues, gruGateGradients, gruStep } from '../internal/gru-gates';
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
 * What {@link gruBackward} needs from {@link gruForward}: the inputs, every hidden state and each
 * step's gates. It owns its tensors (`tf.dispose(cache)`).
 */
export type GruCache = {
  /** Inputs `[N, T, D]`. */
  x: tf.Tensor3D;
  /** Initial hidden state `[N, H]`. */
  h0: tf.Tensor2D;
  /** `[D, 3H]`. */
  Wx: tf.Tensor2D;
  /** `[H, 3H]`. */
  Wh: tf.Tensor2D;
  /** Every hidden state `[N, T, H]`. */
  h: tf.Tensor3D;
  /** Gates of each timestep. */
  steps: GruGateValues[];
};

/** Gradients of a GRU over a sequence. */
export type GruGradients = {
  dx: tf.Tensor3D;
  dh0: tf.Tensor2D;
  dWx: tf.Tensor2D;
  dWh: tf.Tensor2D;
  db: tf.Tensor1D;
};

/**
 * A GRU over a whole sequence from `h0`, with the step of {@link gruStepForward}.
 *
 * ```ts
 * const { h, cache } = gruForward(x, h0, Wx, Wh, b); // h: [N, T, H]
 * const { dx, dh0, dWx, dWh, db } = gruBackward(dh, cache);
 * tf.dispose(cache);
 * ```
 * Sources: Cho et al. 2014, "Learning Phrase Representations using RNN Encoder–Decoder".
 * @param x - inputs `[N, T, D]`.
 * @param h0 - initial hidden state `[N, H]`.
 * @param Wx - `[D, 3H]`.
 * @param Wh - `[H, 3H]`.
 * @param b - `[3H]`.
 * @returns the hidden states `[N, T, H]` and the cache for {@link gruBackward}; the caller disposes both.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function gruForward(
  x: tf.Tensor3D,
  h0: tf.Tensor2D,
  Wx: tf.Tensor2D,
  Wh: tf.Tensor2D,
  b: tf.Tensor1D,
): { h: tf.Tensor3D; cache: GruCache } {
  assertSequenceInputs(x, h0, Wx, Wh, b, 3);
  return tidy(() => {
    const [n, t] = x.shape;
    const inputs = splitSteps(tf.add(matMul(toTimeMajor(x), Wx), b), t);
    const steps: GruGateValues[] = [];
    const states: tf.Tensor2D[] = [];
    let prevH = h0;
    for (const input of inputs) {
      const { nextH, values } = gruStep(input, prevH, Wh);
      prevH = nextH;
      states.push(nextH);
      steps.push(values);
    }
    const h = fromTimeMajor(concatSteps(states), n, t);
    const cache: GruCache = { ...keepSequenceTensors({ x, h0, Wx, Wh, h }), steps };
    return { h, cache };
  });
}

/**
 * Backward pass of {@link gruForward} (backpropagation through time).
 *
 * ```ts
 * const { dx, dh0, dWx, dWh, db } = gruBackward(dh, cache);
 * ```
 * @param dh - upstream gradient of every hidden state `[N, T, H]`.
 * @param cache - from {@link gruForward} (not disposed here).
 * @returns the gradients; the caller disposes them.
 */
export function gruBackward(dh: tf.Tensor3D, cache: GruCache): GruGradients {
  assertShape('dh', dh, cache.h.shape, ['N', 'T', 'H'], 'float32');
  return tidy(() => {
    const t = cache.h.shape[1];
    const upstream = splitSteps(toTimeMajor(dh), t);
    const statesRows = toTimeMajor(cache.h);
    const states = splitSteps(statesRows, t);
    // Whᵀ once, not a transposed product per step.
    const WhT = tf.transpose(cache.Wh) as tf.Tensor2D;
    const inputGradients: tf.Tensor2D[] = new Array(t);
    const hiddenGradients: tf.Tensor2D[] = new Array(t);
    let dprevH: tf.Tensor2D = tf.zerosLike(cache.h0);
    for (let step = t - 1; step >= 0; step--) {
      const prevH = step > 0 ? (states[step - 1] as tf.Tensor2D) : cache.h0;
      const dnextH = tf.add(upstream[step] as tf.Tensor2D, dprevH) as tf.Tensor2D;
      const { dInputA, dHiddenA, dprevHDirect } = gruGateGradients(
        dnextH,
        cache.steps[step] as GruGateValues,
        prevH,
      );
      inputGradients[step] = dInputA;
      hiddenGradients[step] = dHiddenA;
      dprevH = tf.add(matMul(dHiddenA, WhT), dprevHDirect) as tf.Tensor2D;
    }
    return sequenceGradients(
      cache,
      statesRows,
      concatSteps(inputGradients),
      concatSteps(hiddenGradients),
      dprevH,
    );
  });
}
