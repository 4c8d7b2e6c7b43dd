import * as tf from '@tensorflow/tfjs-core';

/**
 * `tf.tidy` for functions returning typed objects of tensors (interfaces have no index signature, so
 * they are not `TensorContainer`s to TypeScript). Every tensor reachable from the result is kept.
 */
export function tidy<T>(fn: () => T): T {
  return tf.tidy(fn as unknown as () => tf.TensorContainer) as unknown as T;
}

/** `tf.matMul` of two matrices, typed as a matrix. */
export function matMul(a: tf.Tensor2D, b: tf.Tensor2D, transposeA = false, transposeB = false): tf.Tensor2D {
  return tf.matMul(a, b, transposeA, transposeB);
}
