import * as tf from '@tensorflow/tfjs-core';

function rollAxis(images: tf.Tensor4D, shift: number, axis: 1 | 2): tf.Tensor4D {
  const size = images.shape[axis];
  const offset = ((shift % size) + size) % size;
  if (offset === 0) return images;
  // np.roll: the last `offset` entries move to the front.
  const [tail, head] = tf.split(images, [size - offset, offset], axis);
  return tf.concat([head as tf.Tensor4D, tail as tf.Tensor4D], axis);
}

/**
 * `np.roll` of an NHWC batch by `dy` rows and `dx` columns (CS231n's `jitter(X, ox, oy)`): pixels
 * that leave one edge come back at the other, so rolling by `-dy, -dx` restores the batch exactly.
 * Differentiable (split and concat).
 */
export function roll(images: tf.Tensor4D, dy: number, dx: number): tf.Tensor4D {
  if (dy === 0 && dx === 0) return images;
  return tf.tidy(() => rollAxis(rollAxis(images, dy, 1), dx, 2));
}
