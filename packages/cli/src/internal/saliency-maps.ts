import { normalizeAttribution, overlay } from '@netlens/image';
import type { SaliencyMethodName } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';

const SIGNED: readonly SaliencyMethodName[] = ['gradxinput', 'ig'];

/**
 * Renders a `[N, H, W, 1]` map as a heatmap over the images: |map| normalised to its 99th
 * percentile, `jet` at 55 % over the picture.
 */
export function renderAttribution(
  method: SaliencyMethodName,
  images: tf.Tensor4D,
  map: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const heat = normalizeAttribution(SIGNED.includes(method) ? tf.abs(map) : map, { signMode: 'abs' });
    return overlay(images, heat, { alpha: 0.55, colormap: 'jet' });
  });
}
