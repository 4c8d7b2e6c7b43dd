import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './internal/tensor-checks';

/**
 * Anything `tf.browser.fromPixels` reads: a canvas, `<img>`, `<video>`, `ImageBitmap`, `ImageData`,
 * or a plain `{ width, height, data: Uint8Array }` RGBA object (which also works in Node).
 */
export type PixelSource = Parameters<typeof tf.browser.fromPixels>[0];

/** Options for {@link fromCanvas}. */
export interface FromCanvasOptions {
  /** `'drop'` (default) gives RGB; `'keep'` gives RGBA, alpha as the 4th channel. */
  alpha?: 'drop' | 'keep';
}

/**
 * Reads pixels from a canvas, image, video frame, `ImageBitmap` or `ImageData` into a float32 image
 * batch `[1, H, W, 3]` (or 4 channels) in [0, 1], via `tf.browser.fromPixels`. On a GPU backend the
 * pixels go straight to a texture. In Node, pass `{ width, height, data }` RGBA bytes.
 *
 * @param source - the pixels to read.
 * @param options - `alpha` (default `'drop'`).
 * @returns a new `[1, H, W, C]` float32 tensor.
 *
 * ```ts
 * const image = fromCanvas(document.querySelector('canvas')!);
 * const bitmap = fromCanvas(await createImageBitmap(blob));
 * ```
 */
export function fromCanvas(source: PixelSource, options: FromCanvasOptions = {}): tf.Tensor4D {
  if (source === null || typeof source !== 'object') {
    throw new InvalidArgumentError(
      'source',
      'a canvas, image, video, ImageBitmap, ImageData or { width, height, data } object',
      describeValue(source),
    );
  }
  const alpha = options.alpha ?? 'drop';
  if (alpha !== 'drop' && alpha !== 'keep') {
    throw new InvalidArgumentError('options.alpha', "'drop' or 'keep'", String(alpha));
  }
  return tf.tidy(() => {
    const pixels = tf.browser.fromPixels(source, alpha === 'keep' ? 4 : 3);
    return tf.expandDims(tf.div(tf.cast(pixels, 'float32'), 255), 0) as tf.Tensor4D;
  });
}
