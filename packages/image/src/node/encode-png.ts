import type * as tf from '@tensorflow/tfjs-core';
import { encodePngPixels } from '../internal/png-codec';
import { pngBitDepth, pngLayout } from '../internal/png-layout';

/** Options for {@link encodePng} and {@link writePng}. */
export interface EncodePngOptions {
  /** Bits per sample: 8 (default) or 16, for masks and depth maps that need more than 256 levels. */
  bitDepth?: 8 | 16;
}

/**
 * Encodes one image as PNG bytes. The tensor is `[H, W, C]` or `[1, H, W, C]` with values in
 * [0, 1]; C = 1 writes greyscale, 2 grey + alpha, 3 RGB, 4 RGBA. Values are clamped to [0, 1], NaN
 * becomes 0, and each sample is rounded to the nearest level, so an image decoded from an 8-bit
 * PNG encodes back to the identical pixels. Reads the tensor synchronously (`dataSync`); from a
 * GPU backend prefer {@link writePng}, which reads asynchronously.
 *
 * @param image - the image, `[H, W, C]` or `[1, H, W, C]`, float in [0, 1]. Not disposed.
 * @param options - `bitDepth` (default 8).
 * @returns the PNG file bytes.
 *
 * ```ts
 * import { encodePng } from '@netlens/image/node';
 * const bytes = encodePng(tf.fill([32, 32, 3], 0.5)); // a mid-grey 32×32 PNG
 * ```
 */
export function encodePng(image: tf.Tensor3D | tf.Tensor4D, options: EncodePngOptions = {}): Uint8Array {
  const [height, width, channels] = pngLayout(image, 'image');
  const bitDepth = pngBitDepth(options.bitDepth);
  return encodePngPixels(image.dataSync(), height, width, channels, bitDepth);
}
