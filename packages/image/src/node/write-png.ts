import { writeFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs-core';
import { encodePngPixels } from '../internal/png-codec';
import { pngBitDepth, pngLayout } from '../internal/png-layout';
import type { EncodePngOptions } from './encode-png';

/**
 * Writes one image to a PNG file: {@link encodePng}, reading the tensor asynchronously (so it works
 * on every backend without a blocking GPU read), then `fs.writeFile`. The parent directory must exist.
 *
 * @param path - where to write; an existing file is replaced.
 * @param image - `[H, W, C]` or `[1, H, W, C]`, float in [0, 1], C = 1, 2, 3 or 4. Not disposed.
 * @param options - `bitDepth` (default 8).
 * @returns a promise that resolves once the file is written.
 *
 * ```ts
 * import { writePng } from '@netlens/image/node';
 * await writePng('saliency.png', overlay(image, heatmap));
 * ```
 */
export async function writePng(
  path: string | URL,
  image: tf.Tensor3D | tf.Tensor4D,
  options: EncodePngOptions = {},
): Promise<void> {
  const [height, width, channels] = pngLayout(image, 'image');
  const bitDepth = pngBitDepth(options.bitDepth);
  const values = await image.data();
  await writeFile(path, encodePngPixels(values, height, width, channels, bitDepth));
}
