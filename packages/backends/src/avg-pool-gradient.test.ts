import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeOnBackends, expectNoLeak, expectTensorsClose, seededValues } from './testing/index';

type Case = {
  name: string;
  shape: [number, number, number, number];
  filter: number;
  stride: number;
  pad: 'same' | 'valid';
};

const CASES: readonly Case[] = [
  { name: '3×3 stride 1 same (Inception branches)', shape: [2, 6, 5, 3], filter: 3, stride: 1, pad: 'same' },
  { name: '3×3 stride 2 same, odd size', shape: [1, 7, 6, 2], filter: 3, stride: 2, pad: 'same' },
  { name: '2×2 stride 2 valid', shape: [1, 6, 6, 2], filter: 2, stride: 2, pad: 'valid' },
];

/**
 * Average pooling as TensorFlow defines it (each window averages the input it covers, TF's SAME
 * padding split) and the exact gradient of Σ w · avgPool(x), in float64: dx[i] = Σ over windows
 * covering i of w / count.
 */
function reference(
  { shape: [n, h, w, c], filter, stride, pad }: Case,
  x: Float32Array,
  weights: Float32Array,
) {
  const outH = pad === 'same' ? Math.ceil(h / stride) : Math.floor((h - filter) / stride) + 1;
  const outW = pad === 'same' ? Math.ceil(w / stride) : Math.floor((w - filter) / stride) + 1;
  const top = pad === 'same' ? Math.floor(Math.max((outH - 1) * stride + filter - h, 0) / 2) : 0;
  const left = pad === 'same' ? Math.floor(Math.max((outW - 1) * stride + filter - w, 0) / 2) : 0;
  const output = new Float64Array(n * outH * outW * c);
  const gradient = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let k = 0; k < c; k++) {
          const covered: number[] = [];
          for (let dy = 0; dy < filter; dy++)
            for (let dx = 0; dx < filter; dx++) {
              const y = oy * stride + dy - top;
              const xx = ox * stride + dx - left;
              if (y >= 0 && y < h && xx >= 0 && xx < w) covered.push(((b * h + y) * w + xx) * c + k);
            }
          const o = ((b * outH + oy) * outW + ox) * c + k;
          output[o] = covered.reduce((sum, i) => sum + (x[i] as number), 0) / covered.length;
          for (const i of covered)
            gradient[i] = (gradient[i] as number) + (weights[o] as number) / covered.length;
        }
  return { output, gradient, outShape: [n, outH, outW, c] };
}

describeOnBackends('AvgPool gradient', () => {
  for (const testCase of CASES) {
    it(`${testCase.name}: equals the exact gradient of TF's average pooling`, async () => {
      const size = testCase.shape.reduce((product, dimension) => product * dimension, 1);
      const values = seededValues(size, 71, -1, 1);
      const x = tf.tensor4d(values, testCase.shape);
      const probe = tf.avgPool(x, testCase.filter, testCase.stride, testCase.pad);
      const weightValues = seededValues(probe.size, 72, -1, 1);
      const expected = reference(testCase, values, weightValues);
      expect(probe.shape).toEqual(expected.outShape);
      const weights = tf.tensor(weightValues, probe.shape);
      await expectNoLeak(async () => {
        await expectTensorsClose(probe, Array.from(expected.output));
        const gradient = tf.grad((input: tf.Tensor) =>
          tf.sum(
            tf.mul(tf.avgPool(input as tf.Tensor4D, testCase.filter, testCase.stride, testCase.pad), weights),
          ),
        )(x);
        await expectTensorsClose(gradient, Array.from(expected.gradient));
        gradient.dispose();
      });
      tf.dispose([x, probe, weights]);
    });
  }
});
