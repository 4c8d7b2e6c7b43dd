import {
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gaussianBlur, gaussianKernel1d } from './gaussian-blur';

/** scipy.ndimage.gaussian_filter1d along one axis of [H, W] with mode 'reflect', in float64. */
function filter1d(image: number[][], kernel: Float32Array, axis: 0 | 1): number[][] {
  const radius = (kernel.length - 1) / 2;
  const height = image.length;
  const width = (image[0] as number[]).length;
  const size = axis === 0 ? height : width;
  const reflect = (i: number) => {
    const period = 2 * size;
    const m = ((i % period) + period) % period;
    return m < size ? m : period - 1 - m;
  };
  return image.map((row, y) =>
    row.map((_, x) => {
      let total = 0;
      for (let k = -radius; k <= radius; k++) {
        const value = axis === 0 ? (image[reflect(y + k)] as number[])[x] : row[reflect(x + k)];
        total += (kernel[k + radius] as number) * (value as number);
      }
      return total;
    }),
  );
}

it('builds scipy gaussian_filter1d weights: σ = 0.5 gives radius 2 and exp(−2x²)/Σ', () => {
  const kernel = gaussianKernel1d(0.5);
  const raw = [-2, -1, 0, 1, 2].map((x) => Math.exp(-2 * x * x));
  const total = raw.reduce((a, b) => a + b, 0);
  expect(kernel.length).toBe(5);
  for (const [i, value] of raw.entries()) expect(kernel[i]).toBeCloseTo(value / total, 7);
  // Hand values: 1 / (1 + 2e^-2 + 2e^-8) = 0.786571...
  expect(kernel[2]).toBeCloseTo(0.786571, 6);
  expect(gaussianKernel1d(1).length).toBe(9);
});

describeOnBackends('gaussianBlur (CS231n blur_image)', () => {
  it('equals a separable reference convolution with reflected edges, per channel, radius up to twice the image', async () => {
    await expectNoLeak(async () => {
      const [height, width, channels] = [6, 5, 2];
      const values = seededValues(height * width * channels, 11, 0, 1);
      const images = tf.tensor4d(values, [1, height, width, channels]);
      for (const sigma of [0.5, 1.3, 2.2]) {
        const kernel = gaussianKernel1d(sigma);
        const expected = new Float32Array(values.length);
        for (let c = 0; c < channels; c++) {
          const plane = Array.from({ length: height }, (_, y) =>
            Array.from({ length: width }, (_, x) => values[(y * width + x) * channels + c] as number),
          );
          const blurred = filter1d(filter1d(plane, kernel, 0), kernel, 1);
          for (const [y, row] of blurred.entries()) {
            for (const [x, v] of row.entries()) expected[(y * width + x) * channels + c] = v;
          }
        }
        const actual = gaussianBlur(images, sigma);
        await expectTensorsClose(actual, expected);
        actual.dispose();
      }
      images.dispose();
    });
  });

  it('keeps a constant image constant and leaves σ = 0 untouched', async () => {
    await expectNoLeak(async () => {
      const flat = tf.fill([1, 4, 4, 3], 0.25) as tf.Tensor4D;
      const blurred = gaussianBlur(flat, 0.5);
      await expectTensorsClose(blurred, new Float32Array(48).fill(0.25));
      expect(gaussianBlur(flat, 0)).toBe(flat);
      tf.dispose([flat, blurred]);
    });
  });
});
