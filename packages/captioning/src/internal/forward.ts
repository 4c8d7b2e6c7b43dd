import * as tf from '@tensorflow/tfjs-core';
import { gruStep } from './gru-gates';
import { lstmGates } from './lstm-gates';
import { concatSteps, flatten, fromTimeMajor, splitSteps } from './sequence';
import { matMul } from './tidy';

/** Recurrent cell of a captioner. */
export type CellType = 'rnn' | 'lstm' | 'gru';

/** Blocks of `H` columns in `Wx`, `Wh` and `b` for each cell type. */
export const GATES: Readonly<Record<CellType, number>> = { rnn: 1, lstm: 4, gru: 3 };

/** The parameters of a captioner, by CS231n name. */
export interface CaptioningParams {
  W_proj: tf.Tensor2D;
  b_proj: tf.Tensor1D;
  W_embed: tf.Tensor2D;
  Wx: tf.Tensor2D;
  Wh: tf.Tensor2D;
  b: tf.Tensor1D;
  W_vocab: tf.Tensor2D;
  b_vocab: tf.Tensor1D;
}

/** The recurrent state: `h`, plus the cell state `c` for LSTMs. */
export interface CellState {
  h: tf.Tensor2D;
  c?: tf.Tensor2D;
}

/** Initial state from image features: `h0 = features·W_proj + b_proj` (and `c0 = 0`). */
export function initialState(cellType: CellType, params: CaptioningParams, features: tf.Tensor2D): CellState {
  const h = tf.add(matMul(features, params.W_proj), params.b_proj) as tf.Tensor2D;
  return cellType === 'lstm' ? { h, c: tf.zerosLike(h) } : { h };
}

/** One differentiable step from the input activations `inputA = x·Wx + b`. */
export function cellStep(
  cellType: CellType,
  inputA: tf.Tensor2D,
  state: CellState,
  Wh: tf.Tensor2D,
): CellState {
  if (cellType === 'rnn') return { h: tf.tanh(tf.add(inputA, matMul(state.h, Wh))) as tf.Tensor2D };
  if (cellType === 'gru') return { h: gruStep(inputA, state.h, Wh).nextH };
  const { i, f, o, g } = lstmGates(tf.add(inputA, matMul(state.h, Wh)) as tf.Tensor2D);
  const c = tf.add(tf.mul(f, state.c as tf.Tensor2D), tf.mul(i, g)) as tf.Tensor2D;
  return { h: tf.mul(o, tf.tanh(c)) as tf.Tensor2D, c };
}

/**
 * The input activations `W_embed·Wx + b` of every word `[V, G·H]`. Decoding `M` rows for `S` steps
 * then gathers rows instead of multiplying `[M, W]·[W, G·H]` each step, which pays off when
 * `M·S > V`.
 */
export function inputTable(params: CaptioningParams): tf.Tensor2D {
  return tf.tidy(() => tf.add(matMul(params.W_embed, params.Wx), params.b));
}

/**
 * One decoding step: the state after reading `words` (int32 `[M]`) and the vocabulary scores
 * `[M, V]`; `table` is {@link inputTable}'s result, when the caller made one.
 */
export function decodeStep(
  cellType: CellType,
  params: CaptioningParams,
  words: tf.Tensor1D,
  state: CellState,
  table?: tf.Tensor2D,
): { state: CellState; scores: tf.Tensor2D } {
  const inputA = table
    ? (tf.gather(table, words) as tf.Tensor2D)
    : (tf.add(matMul(tf.gather(params.W_embed, words) as tf.Tensor2D, params.Wx), params.b) as tf.Tensor2D);
  const next = cellStep(cellType, inputA, state, params.Wh);
  return { state: next, scores: tf.add(matMul(next.h, params.W_vocab), params.b_vocab) as tf.Tensor2D };
}

/**
 * Vocabulary scores `[N, T, V]` after reading `captionsIn` (int32 `[N, T]`), built from plain tfjs ops
 * so that tfjs autodiff can differentiate it (the explicit-backward path uses the layer functions).
 */
export function captionScores(
  cellType: CellType,
  params: CaptioningParams,
  features: tf.Tensor2D,
  captionsIn: tf.Tensor2D,
): tf.Tensor3D {
  const [n, t] = captionsIn.shape;
  let state = initialState(cellType, params, features);
  // Time-major rows, as in the sequence layers (see sequence.ts).
  const x = tf.gather(params.W_embed, tf.reshape(tf.transpose(captionsIn), [t * n])) as tf.Tensor2D;
  const inputs = splitSteps(tf.add(matMul(x, params.Wx), params.b), t);
  const states: tf.Tensor2D[] = [];
  for (const input of inputs) {
    state = cellStep(cellType, input, state, params.Wh);
    states.push(state.h);
  }
  const h = flatten(fromTimeMajor(concatSteps(states), n, t));
  return tf.reshape(tf.add(matMul(h, params.W_vocab), params.b_vocab), [n, t, params.W_vocab.shape[1]]);
}

/** CS231n's masked loss on scores: `−Σ mask·log softmax(scores)[captionsOut] / N`, mask = `captionsOut ≠ NULL`. */
export function maskedLoss(scores: tf.Tensor3D, captionsOut: tf.Tensor2D, nullId: number): tf.Scalar {
  const [n, t, v] = scores.shape;
  const mask = tf.reshape(tf.cast(tf.notEqual(captionsOut, nullId), 'float32'), [n * t, 1]);
  const picked = tf.mul(tf.logSoftmax(flatten(scores)), tf.oneHot(tf.reshape(captionsOut, [n * t]), v));
  return tf.div(tf.neg(tf.sum(tf.mul(picked, mask))), n) as tf.Scalar;
}

/** Every parameter name, in a fixed order (the order of saved weights). */
export const PARAM_NAMES: readonly (keyof CaptioningParams)[] = Object.freeze([
  'W_proj',
  'b_proj',
  'W_embed',
  'Wx',
  'Wh',
  'b',
  'W_vocab',
  'b_vocab',
]);
