import { assertImageBatchShape, assertValidImages, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertNonNegative } from './internal/validate';

/** Options for {@link differencePicture}. */
export interface DifferencePictureOptions {
  /**
   * How much the difference is magnified around mid-grey: `0.5 + magnification·(x' − x)`, clipped to
   * `[0, 1]`. Default: `0.5 / max|x' − x|` over the batch, so the largest change spans the full range.
   */
  magnification?: number;
}

/**
 * The usual adversarial-example figure as pixels: for each image, the original, the adversarial
 * image, and the difference magnified around mid-grey (grey = unchanged, brighter = increased).
 * Returns `[3N, H, W, C]` in `[0, 1]`, ordered original, adversarial, difference per image, ready for
 * `grid(pictures, { columns: 3 })` from `@netlens/image` (which also encodes it to PNG or a canvas).
 *
 * ```ts
 * import { grid } from '@netlens/image';
 * const pictures = await differencePicture(images, adversarial);
 * const sheet = grid(pictures, { columns: 3, padding: 2 });
 * ```
 * Sources: Goodfellow, Shlens and Szegedy 2015 (figure 1); CS231n assignment 3 (fooling images).
 * @param original - `[N, H, W, C]` clean pixels.
 * @param adversarial - `[N, H, W, C]` adversarial pixels, the same shape.
 * @param options - magnification.
 * @returns `[3N, H, W, C]` pixels in `[0, 1]`; the caller disposes them.
 * @throws InvalidArgumentError for tensors of different shapes or a negative magnification.
 */
export async function differencePicture(
  original: tf.Tensor4D,
  adversarial: tf.Tensor4D,
  options: DifferencePictureOptions = {},
): Promise<tf.Tensor4D> {
  assertImageBatchShape(original, [null, null, (original as tf.Tensor)?.shape?.[3] ?? 0], 'original');
  await assertValidImages(original, [null, null, original.shape[3]], 'original');
  await assertValidImages(adversarial, [null, null, original.shape[3]], 'adversarial');
  if (!tf.util.arraysEqual(adversarial.shape, original.shape)) {
    throw new InvalidArgumentError(
      'adversarial',
      `a tensor of the original's shape [${original.shape}]`,
      `shape [${adversarial.shape}]`,
    );
  }
  let magnification = options.magnification;
  if (magnification === undefined) {
    const largest = tf.tidy(() => tf.max(tf.abs(tf.sub(adversarial, original))));
    const value = (await largest.data())[0] as number;
    largest.dispose();
    magnification = value > 0 ? 0.5 / value : 1;
  }
  assertNonNegative(magnification, 'options.magnification');
  const scale = magnification;
  return tf.tidy(() => {
    const difference = tf.clipByValue(tf.add(0.5, tf.mul(scale, tf.sub(adversarial, original))), 0, 1);
    const [batch, height, width, channels] = original.shape;
    return tf.reshape(tf.stack([original, adversarial, difference], 1), [
      3 * batch,
      height,
      width,
      channels,
    ]) as tf.Tensor4D;
  });
}
