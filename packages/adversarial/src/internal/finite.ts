import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** Options of every function that reads the model's logits back. */
export interface FiniteOptions {
  /**
   * Accept NaN or ±Infinity in the model's logits. Default `false`: such a model makes every
   * gradient and prediction meaningless (NaN images, "successful" attacks), so the attack refuses it
   * with an `InvalidArgumentError` naming `model`, checked wherever the logits are read back anyway.
   */
  allowNonFinite?: boolean;
}

/** `1` for each row of `logits` `[N, K]` holding NaN or ±Infinity, else `0`: `[N]` float32. */
export function nonFiniteRows(logits: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.cast(tf.logicalNot(tf.all(tf.isFinite(logits), 1)), 'float32') as tf.Tensor1D);
}

/** Throws unless every flag read back from {@link nonFiniteRows} is 0 (or non-finite logits are allowed). */
export function assertFiniteRows(flags: ArrayLike<number>, options: FiniteOptions | undefined): void {
  if (options?.allowNonFinite === true) return;
  const bad = Array.from(flags).flatMap((flag, index) => (flag === 0 ? [] : [index]));
  if (bad.length === 0) return;
  const shown = bad.slice(0, 8).join(', ') + (bad.length > 8 ? ', …' : '');
  throw new InvalidArgumentError(
    'model',
    'finite logits (options.allowNonFinite accepts NaN and ±Infinity)',
    `NaN or ±Infinity in the logits of image ${shown}`,
  );
}

/** Checks `options.allowNonFinite`, when given, is a boolean. */
export function assertAllowNonFinite(options: FiniteOptions | undefined): void {
  const value = options?.allowNonFinite;
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError('options.allowNonFinite', 'a boolean', String(value));
  }
}
