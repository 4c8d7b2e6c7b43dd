import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/**
 * How a per-channel map `[N, H, W, C]` becomes one value per pixel: the largest channel (CS231n's
 * saliency map), the sum, the Euclidean norm, or `'none'` to keep every channel.
 */
export type ChannelReduction = 'max' | 'sum' | 'l2' | 'none';

const REDUCTIONS: readonly ChannelReduction[] = ['max', 'sum', 'l2', 'none'];

/** Throws {@link InvalidArgumentError} unless `value` is a {@link ChannelReduction}. */
export function assertChannelReduction(
  value: unknown,
  argumentName = 'options.channelReduction',
): asserts value is ChannelReduction {
  if (!REDUCTIONS.includes(value as ChannelReduction)) {
    throw new InvalidArgumentError(
      argumentName,
      `one of ${REDUCTIONS.map((name) => `'${name}'`).join(', ')}`,
      typeof value === 'string' ? `'${value}'` : String(value),
    );
  }
}

/** Reduces `[N, H, W, C]` to `[N, H, W, 1]` (or returns it unchanged for `'none'`). Call inside a tidy. */
export function reduceChannels(map: tf.Tensor4D, reduction: ChannelReduction): tf.Tensor4D {
  switch (reduction) {
    case 'max':
      return tf.max(map, 3, true);
    case 'sum':
      return tf.sum(map, 3, true);
    case 'l2':
      return tf.sqrt(tf.sum(tf.square(map), 3, true)) as tf.Tensor4D;
    case 'none':
      return map;
  }
}
