import * as tf from '@tensorflow/tfjs-core';
import { flatten } from '../internal/sequence';
import { matMul, tidy } from '../internal/tidy';
import { assertShape } from '../internal/validate';

/** What {@link temporalAffineBackward} needs; it owns its tensors (`tf.dispose(cache)`). */
export type TemporalAffineCache = {
  /** Inputs `[N, T, D]`. */
  x: tf.Tensor3D;
  /** Weights `[D, M]`. */
  w: tf.Tensor2D;
};

/** Gradients of a temporal affine layer. */
export type TemporalAffineGradients = {
  dx: tf.Tensor3D;
  dw: tf.Tensor2D;
  db: tf.Tensor1D;
};

/**
 * The same affine map at every timestep: `out[n, t] = x[n, t]·w + b` (in the captioner, hidden
 * states to vocabulary scores).
 *
 * ```ts
 * const { out, cache } = temporalAffineForward(h, W_vocab, b_vocab); // [N, T, V]
 * const { dx, dw, db } = temporalAffineBackward(dout, cache);
 * tf.dispose(cache);
 * ```
 * Sources: CS231n assignment 3, `temporal_affine_forward`.
 * @param x - `[N, T, D]`.
 * @param w - `[D, M]`.
 * @param b - `[M]`.
 * @returns `[N, T, M]` and the cache for {@link temporalAffineBackward}; the caller disposes both.
 * @throws InvalidArgumentError when shapes disagree.
 */
export function temporalAffineForward(
  x: tf.Tensor3D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
): { out: tf.Tensor3D; cache: TemporalAffineCache } {
  assertShape('x', x, [null, null, null], ['N', 'T', 'D'], 'float32');
  const [n, t, d] = x.shape;
  assertShape('w', w, [d, null], ['D', 'M'], 'float32');
  assertShape('b', b, [w.shape[1]], ['M'], 'float32');
  return tidy(() => ({
    out: tf.reshape(tf.add(matMul(flatten(x), w), b), [n, t, w.shape[1]]) as tf.Tensor3D,
    cache: { x: tf.clone(x), w: tf.clone(w) },
  }));
}

/**
 * Backward pass of {@link temporalAffineForward}: `dx = dout·wᵀ`, `dw = Σ_{n,t} x[n,t]ᵀ·dout[n,t]`,
 * `db = Σ_{n,t} dout[n,t]`.
 *
 * ```ts
 * const { dx, dw, db } = temporalAffineBackward(dout, cache);
 * ```
 * Sources: CS231n assignment 3, `temporal_affine_backward`.
 * @param dout - upstream gradient `[N, T, M]`.
 * @param cache - from the forward pass (not disposed here).
 * @returns the gradients; the caller disposes them.
 */
export function temporalAffineBackward(
  dout: tf.Tensor3D,
  cache: TemporalAffineCache,
): TemporalAffineGradients {
  const [n, t, d] = cache.x.shape;
  assertShape('dout', dout, [n, t, cache.w.shape[1]], ['N', 'T', 'M'], 'float32');
  return tidy(() => {
    const dout2 = flatten(dout);
    return {
      dx: tf.reshape(matMul(dout2, cache.w, false, true), [n, t, d]) as tf.Tensor3D,
      dw: matMul(flatten(cache.x), dout2, true, false),
      db: tf.sum(dout2, 0) as tf.Tensor1D,
    };
  });
}
