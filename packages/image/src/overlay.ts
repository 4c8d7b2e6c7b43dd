import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { applyColormap, type Colormap } from './apply-colormap';
import { assertNumberInRange, assertTensorRank, channelsOf, describeShape } from './internal/tensor-checks';

/** Options for {@link overlay}. */
export interface OverlayOptions {
  /** Weight of the heatmap: 0 shows only the image, 1 only the heatmap. Default 0.5. */
  alpha?: number;
  /** Colormap for single-channel heatmaps. Default `'jet'`, the usual Grad-CAM rendering. */
  colormap?: Colormap;
}

/**
 * Blends a coloured heatmap over images: `(1 − alpha) · image + alpha · colormap(heatmap)`.
 * A heatmap of another size (Grad-CAM's 7×7, say) is resized bilinearly to the image first;
 * grey images are repeated to RGB and an alpha channel is ignored. A batch of one on either side is
 * broadcast over the other.
 *
 * @param images - `[N, H, W, C]` in [0, 1], C = 1, 3 or 4. Not disposed.
 * @param heatmap - `[N, h, w]` or `[N, h, w, 1]` in [0, 1] (see `normalizeAttribution`), or an
 *   already coloured `[N, h, w, 3]`. Not disposed.
 * @param options - `alpha` (default 0.5) and `colormap` (default `'jet'`).
 * @returns a new `[N, H, W, 3]` float32 tensor in [0, 1].
 *
 * ```ts
 * const heat = normalizeAttribution(await gradCam(model, images, { target: classIndex }));
 * const picture = overlay(images, heat, { alpha: 0.4, colormap: 'jet' });
 * ```
 */
export function overlay(
  images: tf.Tensor4D,
  heatmap: tf.Tensor3D | tf.Tensor4D,
  options: OverlayOptions = {},
): tf.Tensor4D {
  assertTensorRank(images, 'images', [4], 'an [N, H, W, C] tensor with C = 1, 3 or 4');
  const imageChannels = channelsOf(images);
  if (![1, 3, 4].includes(imageChannels)) {
    throw new InvalidArgumentError(
      'images',
      'an [N, H, W, C] tensor with C = 1, 3 or 4',
      describeShape(images.shape),
    );
  }
  assertTensorRank(heatmap, 'heatmap', [3, 4], 'an [N, H, W], [N, H, W, 1] or [N, H, W, 3] tensor');
  if (heatmap.rank === 4 && ![1, 3].includes(channelsOf(heatmap))) {
    throw new InvalidArgumentError(
      'heatmap',
      'an [N, H, W], [N, H, W, 1] or [N, H, W, 3] tensor',
      describeShape(heatmap.shape),
    );
  }
  const imageBatch = images.shape[0];
  const heatmapBatch = heatmap.shape[0] as number;
  if (imageBatch !== heatmapBatch && imageBatch !== 1 && heatmapBatch !== 1) {
    throw new InvalidArgumentError(
      'heatmap',
      `a batch of ${imageBatch} (or 1) to match images`,
      `a batch of ${heatmapBatch} (${describeShape(heatmap.shape)})`,
    );
  }
  const alpha = assertNumberInRange(options.alpha ?? 0.5, 'options.alpha', 0, 1);
  const colormap = options.colormap ?? 'jet';
  const [, height, width] = images.shape;

  return tf.tidy(() => {
    const image = tf.cast(images, 'float32');
    const rgbImage =
      imageChannels === 1
        ? tf.tile(image, [1, 1, 1, 3])
        : imageChannels === 4
          ? tf.slice(image, [0, 0, 0, 0], [-1, -1, -1, 3])
          : image;
    let map = tf.cast(heatmap.rank === 3 ? tf.expandDims(heatmap, 3) : heatmap, 'float32') as tf.Tensor4D;
    if (map.shape[1] !== height || map.shape[2] !== width) {
      map = tf.image.resizeBilinear(map, [height, width], false, true);
    }
    const colored = channelsOf(map) === 3 ? tf.clipByValue(map, 0, 1) : applyColormap(map, colormap);
    return tf.add(tf.mul(rgbImage, 1 - alpha), tf.mul(colored, alpha)) as tf.Tensor4D;
  });
}
