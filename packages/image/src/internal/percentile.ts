import * as tf from '@tensorflow/tfjs-core';

/**
 * The `percentile`-th percentile of each row of `values` (`[rows, columns]` → `[rows]`), with
 * NumPy's default linear interpolation between the two nearest ranks. Uses `topk` so that only the
 * top `columns − floor(rank)` values are sorted, which for the usual 99th percentiles is a few
 * hundred per row.
 */
export function percentileOfRows(values: tf.Tensor2D, percentile: number): tf.Tensor1D {
  return tf.tidy(() => {
    const columns = values.shape[1];
    const rank = (percentile / 100) * (columns - 1);
    const lowRank = Math.floor(rank);
    const highRank = Math.min(Math.ceil(rank), columns - 1);
    const fraction = rank - lowRank;
    // Ascending rank r sits at descending position columns − 1 − r.
    const k = columns - lowRank;
    const top = tf.topk(values, k, true).values;
    const low = tf.reshape(tf.slice(top, [0, k - 1], [-1, 1]), [-1]);
    if (fraction === 0 || highRank === lowRank) return low as tf.Tensor1D;
    const highPosition = columns - 1 - highRank;
    const high = tf.reshape(tf.slice(top, [0, highPosition], [-1, 1]), [-1]);
    return tf.add(low, tf.mul(tf.sub(high, low), fraction)) as tf.Tensor1D;
  });
}
