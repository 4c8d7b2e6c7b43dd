import * as tf from '@tensorflow/tfjs-core';
import { assertSize, assertTensorRank } from './internal/tensor-checks';

/**
 * Resizes images bilinearly to `[height, width]` with half-pixel centres (`alignCorners` false,
 * `halfPixelCenters` true), which matches PyTorch `interpolate(…, align_corners=False)`,
 * TF2 `tf.image.resize` and OpenCV. No antialiasing: when shrinking by more than 2×, small details
 * alias (as with TF/Keras; PIL and torchvision v2 antialias).
 *
 * @param images - `[N, H, W, C]` or `[H, W, C]`. Not disposed.
 * @param size - the output `[height, width]`.
 * @returns a new float32 tensor of the same rank with the new height and width.
 *
 * ```ts
 * const small = resize(image, [224, 224]);
 * ```
 */
export function resize<T extends tf.Tensor3D | tf.Tensor4D>(images: T, size: readonly [number, number]): T {
  assertTensorRank(images, 'images', [3, 4], 'an [N, H, W, C] or [H, W, C] tensor');
  const [height, width] = assertSize(size, 'size');
  return tf.tidy(() =>
    tf.image.resizeBilinear(tf.cast(images, 'float32') as T, [height, width], false, true),
  );
}
