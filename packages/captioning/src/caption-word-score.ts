import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import type { CaptioningModel } from './captioning-model';

/**
 * The score of one word of a caption as a function of the images, ready to hand to any
 * `@netlens/saliency` method as `scoreFn`: `log p(word | earlier words, image)` under `captioner`,
 * with `features(images)` (differentiable) turning images into the captioner's input features. The
 * caption is fixed (usually the one the model generated), so the map shows which pixels made the
 * model say that word there.
 *
 * ```ts
 * const [ids] = await captioner.sample(digitStripFeatures(cnn, strip));
 * const words = captioner.vocabulary.decode(ids).split(' ');
 * const scoreFn = captionWordScore(captioner, (x) => digitStripFeatures(cnn, x), ids.slice(0, words.length), 2);
 * const { attributions } = await integratedGradients(digitStripClassifier(cnn), strip, { scoreFn });
 * ```
 * @param captioner - the captioning model.
 * @param features - images `[N, H, W, C]` → features `[N, D]`, differentiable (e.g. `digitStripFeatures`).
 * @param caption - the caption's word ids, without `<START>` and `<END>`.
 * @param wordIndex - which word to explain, `0 ≤ wordIndex < caption.length`.
 * @returns `(model, images) → [N]` scores; every image is scored on the same caption.
 * @throws InvalidArgumentError for an empty caption, an id outside the vocabulary or a word index out of range.
 */
export function captionWordScore(
  captioner: CaptioningModel,
  features: (images: tf.Tensor4D) => tf.Tensor2D,
  caption: readonly number[],
  wordIndex: number,
): (model: unknown, images: tf.Tensor4D) => tf.Tensor1D {
  const size = captioner.vocabulary.size;
  if (!Array.isArray(caption) || caption.length === 0) {
    throw new InvalidArgumentError('caption', 'a non-empty array of word ids', String(caption));
  }
  const outside = caption.find((id) => !Number.isInteger(id) || id < 0 || id >= size);
  if (outside !== undefined) {
    throw new InvalidArgumentError('caption', `word ids in [0, ${size})`, `id ${outside}`);
  }
  if (!Number.isInteger(wordIndex) || wordIndex < 0 || wordIndex >= caption.length) {
    throw new InvalidArgumentError('wordIndex', `an integer in [0, ${caption.length})`, String(wordIndex));
  }
  const ids = [captioner.vocabulary.startId, ...caption, captioner.vocabulary.endId];
  return (_model, images) =>
    tf.tidy(() => {
      const captions = tf.tile(tf.tensor2d(ids, [1, ids.length], 'int32'), [
        images.shape[0],
        1,
      ]) as tf.Tensor2D;
      // scoreWords[:, k] is the log-probability of id k + 1, so word `wordIndex` sits at column wordIndex.
      const scores = captioner.scoreWords(features(images), captions);
      return tf.squeeze(tf.slice(scores, [0, wordIndex], [-1, 1]), [1]) as tf.Tensor1D;
    });
}
