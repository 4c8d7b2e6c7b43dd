import * as tf from '@tensorflow/tfjs-core';
import type { Transform } from '../transforms';
import type { RandomSource } from './random';

/** One step's composed transform: four bilinear taps per output pixel. */
export interface SamplingPlan {
  /** `[4 · N·H·W]` rows of the flattened batch; `N·H·W` is the fill row. */
  indices: Int32Array;
  /** `[4 · N·H·W]` bilinear weights, tap-major like `indices`. */
  weights: Float32Array;
  /** The constant fill of padding, when a constant pad is in the chain. */
  fill?: number;
}

type CoordinateMap = (y: number, x: number) => [number, number];

function reflectIndex(index: number, size: number): number {
  const period = 2 * size;
  const wrapped = ((index % period) + period) % period;
  return wrapped < size ? wrapped : period - 1 - wrapped;
}

/**
 * Draws this step's random parameters and composes `transforms` into source coordinates for every
 * output pixel (pixel centres at integer positions), then into bilinear taps.
 * @param shape - `[N, H, W]` of the batch; the output has the same size.
 */
export function samplingPlan(
  transforms: readonly Transform[],
  shape: readonly [number, number, number],
  random: RandomSource,
): SamplingPlan {
  const [batch, height, width] = shape;
  const firstPad = transforms.find((transform) => transform.kind === 'pad');
  const mode = firstPad?.kind === 'pad' ? firstPad.mode : 'edge';
  const pixels = height * width;
  const indices = new Int32Array(4 * batch * pixels);
  const weights = new Float32Array(4 * batch * pixels);
  const fillRow = batch * pixels;
  for (let image = 0; image < batch; image++) {
    let map: CoordinateMap = (y, x) => [y, x];
    let canvasHeight = height;
    let canvasWidth = width;
    for (const transform of transforms) {
      const previous = map;
      if (transform.kind === 'pad') {
        const p = transform.size;
        map = (y, x) => previous(y - p, x - p);
        canvasHeight += 2 * p;
        canvasWidth += 2 * p;
      } else if (transform.kind === 'jitter') {
        const d = Math.min(transform.size, canvasHeight - 1, canvasWidth - 1);
        const dy = random.integer(0, d);
        const dx = random.integer(0, d);
        map = (y, x) => previous(y + dy, x + dx);
        canvasHeight -= d;
        canvasWidth -= d;
      } else if (transform.kind === 'scale') {
        const factor = random.choice(transform.scales);
        const newHeight = Math.max(1, Math.round(canvasHeight * factor));
        const newWidth = Math.max(1, Math.round(canvasWidth * factor));
        const sy = canvasHeight / newHeight;
        const sx = canvasWidth / newWidth;
        map = (y, x) => previous((y + 0.5) * sy - 0.5, (x + 0.5) * sx - 0.5);
        canvasHeight = newHeight;
        canvasWidth = newWidth;
      } else {
        const angle = (random.choice(transform.degrees) * Math.PI) / 180;
        const cos = Math.cos(angle);
        const sin = Math.sin(angle);
        const cy = (canvasHeight - 1) / 2;
        const cx = (canvasWidth - 1) / 2;
        // The output at (y, x) shows the canvas at the point rotated back by the angle.
        map = (y, x) => previous(cy + cos * (y - cy) + sin * (x - cx), cx - sin * (y - cy) + cos * (x - cx));
      }
    }
    // The model sees the centre of the final canvas at the input size.
    const offsetY = Math.floor((canvasHeight - height) / 2);
    const offsetX = Math.floor((canvasWidth - width) / 2);
    const tap = (y: number, x: number): number => {
      if (y >= 0 && y < height && x >= 0 && x < width) return image * pixels + y * width + x;
      if (mode === 'constant') return fillRow;
      if (mode === 'reflect')
        return image * pixels + reflectIndex(y, height) * width + reflectIndex(x, width);
      const cy = Math.min(height - 1, Math.max(0, y));
      const cx = Math.min(width - 1, Math.max(0, x));
      return image * pixels + cy * width + cx;
    };
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const [sy, sx] = map(y + offsetY, x + offsetX);
        // Round away float noise so integer shifts give exact copies of pixels.
        const ry = Math.abs(sy - Math.round(sy)) < 1e-6 ? Math.round(sy) : sy;
        const rx = Math.abs(sx - Math.round(sx)) < 1e-6 ? Math.round(sx) : sx;
        const y0 = Math.floor(ry);
        const x0 = Math.floor(rx);
        const fy = ry - y0;
        const fx = rx - x0;
        const out = image * pixels + y * width + x;
        const stride = batch * pixels;
        const taps: [number, number, number][] = [
          [y0, x0, (1 - fy) * (1 - fx)],
          [y0, x0 + 1, (1 - fy) * fx],
          [y0 + 1, x0, fy * (1 - fx)],
          [y0 + 1, x0 + 1, fy * fx],
        ];
        taps.forEach(([ty, tx, weight], k) => {
          indices[k * stride + out] = weight === 0 ? out : tap(ty, tx);
          weights[k * stride + out] = weight;
        });
      }
    }
  }
  return mode === 'constant' && firstPad?.kind === 'pad'
    ? { indices, weights, fill: firstPad.value }
    : { indices, weights };
}

/**
 * Applies a {@link SamplingPlan}: one `gather` of the four taps and their weighted sum, so the
 * gradient reaches the images through `gather`'s (an unsorted segment sum). The caller tidies.
 */
export function resample(images: tf.Tensor4D, plan: SamplingPlan): tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  const rows = batch * height * width;
  let flat: tf.Tensor2D = tf.reshape(images, [rows, channels]);
  flat = tf.concat([flat, tf.fill([1, channels], plan.fill ?? 0)]);
  const gathered = tf.gather(flat, tf.tensor1d(plan.indices, 'int32'));
  const weighted = tf.mul(gathered, tf.tensor2d(plan.weights, [4 * rows, 1]));
  return tf.reshape(tf.sum(tf.reshape(weighted, [4, rows, channels]), 0), images.shape) as tf.Tensor4D;
}
