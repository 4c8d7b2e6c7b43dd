import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { centerCropOffsets } from './internal/crop';
import { assertIntegerInRange, assertSize, assertTensorRank } from './internal/tensor-checks';

/** Options for {@link resizeAndCenterCrop}. */
export interface ResizeAndCenterCropOptions {
  /**
   * Resize so that the shorter side has this length before cropping, like torchvision's
   * `Resize(256)` + `CenterCrop(224)` ImageNet evaluation transform. Default: the smallest scale
   * that covers the crop, so no more than necessary is cut away.
   */
  shortSide?: number;
}

/** Output size of the resize step: torchvision's `Resize(int)` rule, or the smallest covering scale. */
function resizedSize(
  height: number,
  width: number,
  cropHeight: number,
  cropWidth: number,
  shortSide: number | undefined,
): [number, number] {
  if (shortSide !== undefined) {
    // torchvision: the short side becomes `size`, the long side int(size * long / short).
    return height <= width
      ? [shortSide, Math.floor((shortSide * width) / height)]
      : [Math.floor((shortSide * height) / width), shortSide];
  }
  if (cropHeight / height >= cropWidth / width) {
    return [cropHeight, Math.max(cropWidth, Math.floor((cropHeight * width) / height))];
  }
  return [Math.max(cropHeight, Math.floor((cropWidth * height) / width)), cropWidth];
}

/**
 * Prepares images for a model: scales them (bilinear, half-pixel centres, keeping the aspect ratio)
 * until they cover `size`, then cuts out the centre, torchvision-style. Nothing is stretched.
 *
 * @param images - `[N, H, W, C]` or `[H, W, C]`. Not disposed.
 * @param size - the model's input `[height, width]`.
 * @param options - `shortSide` to resize the short side to a fixed length first (default: just cover `size`).
 * @returns a new float32 tensor `[N, height, width, C]` (or `[height, width, C]`).
 *
 * ```ts
 * const input = resizeAndCenterCrop(photo, [224, 224], { shortSide: 256 }); // ImageNet eval transform
 * ```
 */
export function resizeAndCenterCrop<T extends tf.Tensor3D | tf.Tensor4D>(
  images: T,
  size: readonly [number, number],
  options: ResizeAndCenterCropOptions = {},
): T {
  assertTensorRank(images, 'images', [3, 4], 'an [N, H, W, C] or [H, W, C] tensor');
  const [cropHeight, cropWidth] = assertSize(size, 'size');
  const shortSide =
    options.shortSide === undefined
      ? undefined
      : assertIntegerInRange(options.shortSide, 'options.shortSide', 1, Number.MAX_SAFE_INTEGER);
  const offset = images.rank - 3;
  const height = images.shape[offset] as number;
  const width = images.shape[offset + 1] as number;
  const [resizedHeight, resizedWidth] = resizedSize(height, width, cropHeight, cropWidth, shortSide);
  if (resizedHeight < cropHeight || resizedWidth < cropWidth) {
    throw new InvalidArgumentError(
      'options.shortSide',
      `a length that makes the resized image cover the ${cropHeight}×${cropWidth} crop`,
      `${shortSide} (resized to ${resizedHeight}×${resizedWidth})`,
    );
  }
  const [top, left] = centerCropOffsets(resizedHeight, resizedWidth, cropHeight, cropWidth);
  return tf.tidy(() => {
    const float = tf.cast(images, 'float32') as T;
    const resized =
      resizedHeight === height && resizedWidth === width
        ? float
        : tf.image.resizeBilinear(float, [resizedHeight, resizedWidth], false, true);
    const begin = images.rank === 4 ? [0, top, left, 0] : [top, left, 0];
    const extent = images.rank === 4 ? [-1, cropHeight, cropWidth, -1] : [cropHeight, cropWidth, -1];
    return tf.slice(resized, begin, extent) as T;
  });
}
