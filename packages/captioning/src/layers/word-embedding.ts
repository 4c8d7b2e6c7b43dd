import * as tf from '@tensorflow/tfjs-core';
import { tidy } from '../internal/tidy';
import { assertShape } from '../internal/validate';

/** What {@link wordEmbeddingBackward} needs; it owns its tensor (`tf.dispose(cache)`). */
export type WordEmbeddingCache = {
  /** Word ids `[N, T]` (int32). */
  x: tf.Tensor2D;
  /** Vocabulary size `V` (rows of `W`). */
  vocabularySize: number;
};

/**
 * Word vectors of word ids: `out[n, t] = W[x[n, t]]`.
 *
 * ```ts
 * const { out, cache } = wordEmbeddingForward(captionsIn, W_embed); // [N, T, D]
 * const dW = wordEmbeddingBackward(dout, cache);
 * tf.dispose(cache);
 * ```
 * Sources: CS231n assignment 3, `word_embedding_forward`.
 * @param x - int32 word ids `[N, T]`, each in `[0, V)` (ids outside give undefined rows; the model
 * validates them).
 * @param W - word vectors `[V, D]`.
 * @returns `[N, T, D]` and the cache for {@link wordEmbeddingBackward}; the caller disposes both.
 * @throws InvalidArgumentError for wrong ranks or dtypes.
 */
export function wordEmbeddingForward(
  x: tf.Tensor2D,
  W: tf.Tensor2D,
): { out: tf.Tensor3D; cache: WordEmbeddingCache } {
  assertShape('x', x, [null, null], ['N', 'T'], 'int32');
  assertShape('W', W, [null, null], ['V', 'D'], 'float32');
  return tidy(() => ({
    out: tf.gather(W, x) as unknown as tf.Tensor3D,
    cache: { x: tf.clone(x), vocabularySize: W.shape[0] },
  }));
}

/**
 * Backward pass of {@link wordEmbeddingForward}: each row of `dW` sums the upstream gradients of the
 * positions that used that word (CS231n's `np.add.at(dW, x, dout)`), as one `unsortedSegmentSum`.
 *
 * ```ts
 * const dW = wordEmbeddingBackward(dout, cache); // [V, D]
 * ```
 * Sources: CS231n assignment 3, `word_embedding_backward`.
 * @param dout - upstream gradient `[N, T, D]`.
 * @param cache - from the forward pass (not disposed here).
 * @returns `dW [V, D]`; the caller disposes it.
 */
export function wordEmbeddingBackward(dout: tf.Tensor3D, cache: WordEmbeddingCache): tf.Tensor2D {
  const [n, t] = cache.x.shape;
  assertShape('dout', dout, [n, t, null], ['N', 'T', 'D'], 'float32');
  return tidy(
    () =>
      tf.unsortedSegmentSum(
        tf.reshape(dout, [n * t, dout.shape[2]]),
        tf.reshape(cache.x, [n * t]),
        cache.vocabularySize,
      ) as tf.Tensor2D,
  );
}
