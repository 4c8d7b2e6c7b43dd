import { explainGradientError, gradientScope, type ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import type { ResolvedTargets } from './targets';

/**
 * Per-example softmax cross-entropy `−log p_y` of `logits` `[N, K]` against one-hot `mask` `[N, K]`,
 * with a gradient that stays exact when the model is confident. The textbook gradient `p − onehot`
 * computes `p_y − 1` for the label, which is exactly 0 in float32 once `p_y > 1 − 6·10⁻⁸` (a logit
 * margin above about 17, common on MNIST), leaving only the other classes' terms; attacks then
 * stall on the most confident images. Here the label's entry is `−Σ_{k≠y} p_k`, the same value in
 * exact arithmetic.
 */
const crossEntropyStable = tf.customGrad(((logits: tf.Tensor, mask: tf.Tensor, save: tf.GradSaveFunc) => {
  const logProbabilities = tf.logSoftmax(logits);
  save([logProbabilities, mask]);
  return {
    value: tf.neg(tf.sum(tf.mul(logProbabilities, mask), 1)),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [logP, oneHot] = saved as [tf.Tensor, tf.Tensor];
      const others = tf.mul(tf.exp(logP), tf.sub(1, oneHot));
      const gradient = tf.sub(others, tf.mul(oneHot, tf.sum(others, 1, true)));
      return [tf.mul(gradient, tf.expandDims(dy, 1)), tf.zerosLike(oneHot)];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (logits: tf.Tensor, mask: tf.Tensor) => tf.Tensor;

/** Per-example softmax cross-entropy of `logits` against `classes`: `[N]`. */
export function crossEntropy(logits: tf.Tensor2D, classes: readonly number[]): tf.Tensor1D {
  return tf.tidy(() => {
    const mask = tf.oneHot(tf.tensor1d([...classes], 'int32'), logits.shape[1]);
    return crossEntropyStable(logits, mask) as tf.Tensor1D;
  });
}

/**
 * The gradient every gradient-sign attack ascends, one backward pass for the batch: of the
 * cross-entropy with the labels (untargeted), or of minus the cross-entropy with the targets
 * (targeted). Images are independent, so the gradient of the summed losses is each image's own.
 */
export function attackGradient(
  model: ImageClassifier,
  images: tf.Tensor4D,
  { labels, targets }: ResolvedTargets,
): tf.Tensor4D {
  try {
    return gradientScope(() =>
      tf.tidy(() =>
        tf.grad((x: tf.Tensor) => {
          const loss = tf.sum(crossEntropy(model.logits(x as tf.Tensor4D), targets ?? labels));
          return targets ? tf.neg(loss) : loss;
        })(images),
      ),
    ) as tf.Tensor4D;
  } catch (error) {
    throw explainGradientError(error);
  }
}
