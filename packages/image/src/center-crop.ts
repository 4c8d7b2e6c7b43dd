import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { centerCropOffsets } from './internal/crop';
import { assertSize, assertTensorRank, describeShape } from './internal/tensor-checks';

/**
 * Cuts the central `[height, width]` window out of each image, with torchvision's offsets
 * (`round((H − height) / 2)`, halves to even). Unlike torchvision it does not pad: a crop larger
 * than the image is an error (use {@link resizeAndCenterCrop} to scale first).
 *
 * @param images - `[N, H, W, C]` or `[H, W, C]`. Not disposed.
 * @param size - the crop `[height, width]`, at most the image size.
 * @returns a new tensor of the same rank and dtype.
 *
 * ```ts
 * const crop = centerCrop(image, [224, 224]);
 * ```
 */
export function centerCrop<T extends tf.Tensor3D | tf.Tensor4D>(
  images: T,
  size: readonly [number, number],
): T {
  assertTensorRank(images, 'images', [3, 4], 'an [N, H, W, C] or [H, W, C] tensor');
  const [cropHeight, cropWidth] = assertSize(size, 'size');
  const offset = images.rank - 3;
  const height = images.shape[offset] as number;
  const width = images.shape[offset + 1] as number;
  if (cropHeight > height || cropWidth > width) {
    throw new InvalidArgumentError(
      'size',
      `a crop no larger than the images (${height}×${width})`,
      `[${cropHeight}, ${cropWidth}] for images of ${describeShape(images.shape)}`,
    );
  }
  const [top, left] = centerCropOffsets(height, width, cropHeight, cropWidth);
  return tf.tidy(() => {
    const begin = images.rank === 4 ? [0, top, left, 0] : [top, left, 0];
    const extent = images.rank === 4 ? [-1, cropHeight, cropWidth, -1] : [cropHeight, cropWidth, -1];
    return tf.slice(images, begin, extent) as T;
  });
}
