import * as tf from '@tensorflow/tfjs-core';
import { flatten } from '../internal/sequence';
import { tidy } from '../internal/tidy';
import { assertShape } from '../internal/validate';

/**
 * The softmax cross-entropy of a sequence, summed over the timesteps where `mask` is true and divided
 * by the batch size: `loss = −Σ_{n,t} mask[n,t]·log softmax(x[n,t])[y[n,t]] / N`, with its gradient
 * `dx = mask ⊙ (softmax(x) − onehot(y)) / N`. Masking skips the `<NULL>` padding of short captions.
 *
 * ```ts
 * const { loss, dx } = temporalSoftmaxLoss(scores, captionsOut, tf.notEqual(captionsOut, 0));
 * console.log(await loss.data());
 * ```
 * Sources: CS231n assignment 3, `temporal_softmax_loss`.
 * @param x - scores `[N, T, V]`.
 * @param y - int32 target ids `[N, T]`, each in `[0, V)`.
 * @param mask - `[N, T]`, bool or numeric (nonzero = counted).
 * @returns the scalar loss and `dx [N, T, V]`; the caller disposes both.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function temporalSoftmaxLoss(
  x: tf.Tensor3D,
  y: tf.Tensor2D,
  mask: tf.Tensor2D,
): { loss: tf.Scalar; dx: tf.Tensor3D } {
  assertShape('x', x, [null, null, null], ['N', 'T', 'V'], 'float32');
  const [n, t, v] = x.shape;
  assertShape('y', y, [n, t], ['N', 'T'], 'int32');
  assertShape('mask', mask, [n, t], ['N', 'T']);
  return tidy(() => {
    const scores = flatten(x);
    const weights = tf.reshape(tf.div(tf.cast(tf.notEqual(mask, 0), 'float32'), n), [n * t, 1]);
    const logProbabilities = tf.logSoftmax(scores);
    const targets = tf.oneHot(tf.reshape(y, [n * t]), v);
    const loss = tf.neg(tf.sum(tf.mul(tf.mul(logProbabilities, targets), weights))) as tf.Scalar;
    const dx = tf.reshape(tf.mul(tf.sub(tf.exp(logProbabilities), targets), weights), [
      n,
      t,
      v,
    ]) as tf.Tensor3D;
    return { loss, dx };
  });
}
