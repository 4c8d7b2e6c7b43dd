import { gradientScope } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { gruBackward, gruForward } from '../layers/gru';
import { lstmBackward, lstmForward } from '../layers/lstm';
import { rnnBackward, rnnForward } from '../layers/rnn';
import { temporalAffineBackward, temporalAffineForward } from '../layers/temporal-affine';
import { temporalSoftmaxLoss } from '../layers/temporal-softmax-loss';
import { wordEmbeddingBackward, wordEmbeddingForward } from '../layers/word-embedding';
import { type CaptioningParams, type CellType, captionScores, maskedLoss, PARAM_NAMES } from './forward';
import { matMul, tidy } from './tidy';

/** The loss and a gradient for every parameter. */
export interface LossAndGradients {
  loss: tf.Scalar;
  grads: Record<keyof CaptioningParams, tf.Tensor>;
}

type SequenceBackward = (
  dh: tf.Tensor3D,
  cache: never,
) => { dx: tf.Tensor3D; dh0: tf.Tensor2D; dWx: tf.Tensor2D; dWh: tf.Tensor2D; db: tf.Tensor1D };

const FORWARD = { rnn: rnnForward, lstm: lstmForward, gru: gruForward };
const BACKWARD = { rnn: rnnBackward, lstm: lstmBackward, gru: gruBackward } as Record<
  CellType,
  SequenceBackward
>;

/** `captions[:, :-1]` and `captions[:, 1:]`. */
function shiftCaptions(captions: tf.Tensor2D): { captionsIn: tf.Tensor2D; captionsOut: tf.Tensor2D } {
  const [n, t] = captions.shape;
  return {
    captionsIn: tf.slice(captions, [0, 0], [n, t - 1]),
    captionsOut: tf.slice(captions, [0, 1], [n, t - 1]),
  };
}

/**
 * CS231n's `CaptioningRNN.loss`, line for line: the forward pass through the layer functions, then
 * their backward passes in reverse order.
 */
export function explicitLoss(
  cellType: CellType,
  p: CaptioningParams,
  features: tf.Tensor2D,
  captions: tf.Tensor2D,
  nullId: number,
): LossAndGradients {
  return tidy(() => {
    const { captionsIn, captionsOut } = shiftCaptions(captions);
    const h0 = tf.add(matMul(features, p.W_proj), p.b_proj) as tf.Tensor2D;
    const embedding = wordEmbeddingForward(captionsIn, p.W_embed);
    const recurrent = FORWARD[cellType](embedding.out, h0, p.Wx, p.Wh, p.b);
    const affine = temporalAffineForward(recurrent.h, p.W_vocab, p.b_vocab);
    const { loss, dx: dscores } = temporalSoftmaxLoss(
      affine.out,
      captionsOut,
      tf.notEqual(captionsOut, nullId),
    );
    const { dx: dh, dw: dW_vocab, db: db_vocab } = temporalAffineBackward(dscores, affine.cache);
    const { dx, dh0, dWx, dWh, db } = BACKWARD[cellType](dh, recurrent.cache as never);
    return {
      loss,
      grads: {
        W_proj: matMul(features, dh0, true, false),
        b_proj: tf.sum(dh0, 0),
        W_embed: wordEmbeddingBackward(dx, embedding.cache),
        Wx: dWx,
        Wh: dWh,
        b: db,
        W_vocab: dW_vocab,
        b_vocab: db_vocab,
      },
    };
  });
}

/** The same loss differentiated by tfjs autodiff (`tf.valueAndGrads` over the eight parameters). */
export function autodiffLoss(
  cellType: CellType,
  p: CaptioningParams,
  features: tf.Tensor2D,
  captions: tf.Tensor2D,
  nullId: number,
): LossAndGradients {
  return tidy(() => {
    const { captionsIn, captionsOut } = shiftCaptions(captions);
    const lossOf = (...values: tf.Tensor[]) => {
      const params = Object.fromEntries(
        PARAM_NAMES.map((name, i) => [name, values[i]]),
      ) as unknown as CaptioningParams;
      return maskedLoss(captionScores(cellType, params, features, captionsIn), captionsOut, nullId);
    };
    // A backend without some gradient kernel throws mid-tape; the scope frees what the tape saved.
    const { value, grads } = gradientScope(() =>
      tf.valueAndGrads(lossOf)(PARAM_NAMES.map((name) => p[name])),
    );
    return {
      loss: value as tf.Scalar,
      grads: Object.fromEntries(PARAM_NAMES.map((name, i) => [name, grads[i]])) as LossAndGradients['grads'],
    };
  });
}
