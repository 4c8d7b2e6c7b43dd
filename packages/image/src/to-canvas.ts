import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertTensorRank, channelsOf, describeShape } from './internal/tensor-checks';

/**
 * Draws one image on a canvas with `tf.browser.toPixels`, creating a `<canvas>` when none is given
 * (browsers only: in Node, or a worker without `document`, pass a canvas). The canvas is resized to
 * the image. Values are clamped to [0, 1].
 *
 * @param image - `[H, W, C]` or `[1, H, W, C]`, C = 1, 3 or 4, in [0, 1]. Not disposed.
 * @param canvas - the canvas to draw on. Default: a new one from `document.createElement`.
 * @returns a promise of the canvas drawn on.
 *
 * ```ts
 * document.body.append(await toCanvas(overlay(image, heat)));
 * ```
 */
export async function toCanvas(
  image: tf.Tensor3D | tf.Tensor4D,
  canvas?: HTMLCanvasElement,
): Promise<HTMLCanvasElement> {
  const expected = 'a [H, W, C] or [1, H, W, C] tensor with C = 1, 3 or 4';
  assertTensorRank(image, 'image', [3, 4], expected);
  if ((image.rank === 4 && image.shape[0] !== 1) || ![1, 3, 4].includes(channelsOf(image))) {
    throw new InvalidArgumentError('image', expected, describeShape(image.shape));
  }
  let target = canvas;
  if (target === undefined) {
    if (typeof document === 'undefined') {
      throw new InvalidArgumentError(
        'canvas',
        'a canvas to draw on (this runtime has no document to create one)',
        'undefined',
      );
    }
    target = document.createElement('canvas');
  }
  const pixels = tf.tidy(() => {
    const single = image.rank === 4 ? tf.squeeze(image, [0]) : image;
    return tf.clipByValue(tf.cast(single, 'float32'), 0, 1) as tf.Tensor3D;
  });
  try {
    await tf.browser.toPixels(pixels, target);
  } finally {
    pixels.dispose();
  }
  return target;
}
