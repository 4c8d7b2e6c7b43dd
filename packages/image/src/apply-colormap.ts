import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { type ColormapName, colormapLookupTable, colormapNames } from './internal/colormap-data';
import { assertTensorRank, channelsOf, describeShape, describeValue } from './internal/tensor-checks';

export type { ColormapName } from './internal/colormap-data';
export { colormapNames } from './internal/colormap-data';

/**
 * A colormap: a built-in name, or your own list of at least two `[r, g, b]` colours in [0, 1],
 * spaced evenly from value 0 to value 1 and interpolated linearly.
 */
export type Colormap = ColormapName | readonly (readonly [number, number, number])[];

/** The lookup table of `colormap` as a `[entries, 3]` array; validates custom tables. */
function lookupTable(colormap: unknown): { table: Float32Array; entries: number } {
  if (typeof colormap === 'string') {
    if (!(colormapNames as readonly string[]).includes(colormap)) {
      throw new InvalidArgumentError('colormap', `one of ${colormapNames.join(', ')}`, `'${colormap}'`);
    }
    const table = colormapLookupTable(colormap as ColormapName);
    return { table, entries: table.length / 3 };
  }
  const expected = `one of ${colormapNames.join(', ')}, or an array of at least two [r, g, b] colours in [0, 1]`;
  if (!Array.isArray(colormap) || colormap.length < 2) {
    throw new InvalidArgumentError('colormap', expected, describeValue(colormap));
  }
  const table = new Float32Array(colormap.length * 3);
  colormap.forEach((color: unknown, index: number) => {
    if (
      !Array.isArray(color) ||
      color.length !== 3 ||
      !color.every((c) => typeof c === 'number' && Number.isFinite(c) && c >= 0 && c <= 1)
    ) {
      throw new InvalidArgumentError(
        `colormap[${index}]`,
        'an [r, g, b] triple in [0, 1]',
        describeValue(color),
      );
    }
    table.set(color as number[], index * 3);
  });
  return { table, entries: colormap.length };
}

/**
 * Maps scalar values in [0, 1] to RGB through a colormap, as tensor ops (runs on any backend, no
 * download): each value indexes a 256-entry lookup table with linear interpolation between entries.
 * Values are clamped to [0, 1] and NaN is drawn as 0. Built-in maps follow matplotlib: `gray`,
 * `hot`, `jet`, `viridis`, and the diverging `bwr` and `coolwarm`, which put 0.5 at white / light grey
 * (use them for signed maps from `normalizeAttribution(…, { signMode: 'all' })`).
 *
 * @param values - `[N, H, W]` or `[N, H, W, 1]` in [0, 1]. Not disposed.
 * @param colormap - a built-in name or custom colour list. Default `'viridis'`.
 * @returns a new `[N, H, W, 3]` float32 tensor in [0, 1].
 *
 * ```ts
 * const heat = normalizeAttribution(gradients);        // [N, H, W, 1] in [0, 1]
 * const rgb = applyColormap(heat, 'hot');              // [N, H, W, 3]
 * ```
 */
export function applyColormap(
  values: tf.Tensor3D | tf.Tensor4D,
  colormap: Colormap = 'viridis',
): tf.Tensor4D {
  assertTensorRank(values, 'values', [3, 4], 'a [N, H, W] or [N, H, W, 1] tensor in [0, 1]');
  if (values.rank === 4 && channelsOf(values) !== 1) {
    throw new InvalidArgumentError(
      'values',
      'a [N, H, W] or [N, H, W, 1] tensor in [0, 1] (one channel; use normalizeAttribution to reduce channels)',
      describeShape(values.shape),
    );
  }
  const { table, entries } = lookupTable(colormap);
  const [batch, height, width] = values.shape as [number, number, number];
  return tf.tidy(() => {
    const lut = tf.tensor2d(table, [entries, 3]);
    const flat = tf.reshape(tf.cast(values, 'float32'), [-1]);
    const finite = tf.where(tf.isNaN(flat), tf.zerosLike(flat), flat);
    const position = tf.mul(tf.clipByValue(finite, 0, 1), entries - 1);
    const lower = tf.minimum(tf.floor(position), entries - 2);
    const fraction = tf.expandDims(tf.sub(position, lower), 1);
    const below = tf.gather(lut, tf.cast(lower, 'int32'));
    const above = tf.gather(lut, tf.cast(tf.add(lower, 1), 'int32'));
    const rgb = tf.add(below, tf.mul(fraction, tf.sub(above, below)));
    return tf.reshape(rgb, [batch, height, width, 3]) as tf.Tensor4D;
  });
}
