import * as tf from '@tensorflow/tfjs-core';
import { MaxPoolGrad } from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeOnBackends, expectNoLeak, expectTensorsClose, seededValues } from './testing/index';

// The maxPool gradient sends each window's dy to the FIRST maximum in row-major order (tfjs-cpu,
// TensorFlow, PyTorch); padding never wins. tfjs' WebGPU and WebGL kernels sent it to the last one,
// so netlens replaces them. Checked on every backend with exact ties (ReLU zeros, repeated values).

interface Case {
  name: string;
  shape: [number, number, number, number];
  filter: number;
  stride: number;
  pad: 'same' | 'valid';
}

const CASES: readonly Case[] = [
  { name: '2×2 stride 2 valid', shape: [1, 4, 4, 2], filter: 2, stride: 2, pad: 'valid' },
  { name: '3×3 stride 2 same (overlapping)', shape: [2, 7, 6, 3], filter: 3, stride: 2, pad: 'same' },
  { name: '3×3 stride 1 same', shape: [1, 5, 5, 2], filter: 3, stride: 1, pad: 'same' },
  { name: '2×2 stride 3 same (gaps)', shape: [1, 7, 8, 1], filter: 2, stride: 3, pad: 'same' },
];

/** float64 d/dx Σ w · maxPool(x) with the first maximum of each window winning. */
function firstMaxGradient(
  { shape: [n, h, w, c], filter, stride, pad }: Case,
  x: Float32Array,
  weights: Float32Array,
): Float64Array {
  const outH = pad === 'same' ? Math.ceil(h / stride) : Math.floor((h - filter) / stride) + 1;
  const outW = pad === 'same' ? Math.ceil(w / stride) : Math.floor((w - filter) / stride) + 1;
  const top = pad === 'same' ? Math.floor(Math.max((outH - 1) * stride + filter - h, 0) / 2) : 0;
  const left = pad === 'same' ? Math.floor(Math.max((outW - 1) * stride + filter - w, 0) / 2) : 0;
  const gradient = new Float64Array(x.length);
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < outH; oy++)
      for (let ox = 0; ox < outW; ox++)
        for (let k = 0; k < c; k++) {
          let best = -1;
          for (let dy = 0; dy < filter; dy++)
            for (let dx = 0; dx < filter; dx++) {
              const y = oy * stride + dy - top;
              const xx = ox * stride + dx - left;
              if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
              const i = ((b * h + y) * w + xx) * c + k;
              if (best < 0 || (x[i] as number) > (x[best] as number)) best = i;
            }
          const o = ((b * outH + oy) * outW + ox) * c + k;
          gradient[best] = (gradient[best] as number) + (weights[o] as number);
        }
  return gradient;
}

describeOnBackends('maxPool gradient ties', ({ backend }) => {
  it('a hand-computed 4 × 4 case: each window’s gradient goes to its first maximum', async () => {
    await expectNoLeak(async () => {
      // Windows (2×2, stride 2): all zeros; two 3s; 1 then two 2s; all 5s.
      const x = tf.tensor4d([0, 0, 3, 1, 0, 0, 3, 0, 1, 2, 5, 5, 2, 0, 5, 5], [1, 4, 4, 1]);
      const weights = tf.tensor4d([10, 20, 30, 40], [1, 2, 2, 1]);
      const gradient = tf.grad((input: tf.Tensor) =>
        tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid'), weights)),
      )(x);
      await expectTensorsClose(gradient, [10, 0, 20, 0, 0, 0, 0, 0, 0, 30, 40, 0, 0, 0, 0, 0]);
      tf.dispose([x, weights, gradient]);
    });
  });

  for (const testCase of CASES) {
    it(`${testCase.name}: ReLU zeros and repeated values tie exactly`, async () => {
      await expectNoLeak(async () => {
        const size = testCase.shape.reduce((product, dimension) => product * dimension, 1);
        // Rounded to a few levels, half of them clipped to 0 by the ReLU: most windows hold ties.
        const values = Float32Array.from(seededValues(size, 29, -1, 1), (v) =>
          Math.max(0, Math.round(v * 3)),
        );
        const x = tf.tensor4d(values, testCase.shape);
        const probe = tf.maxPool(x, testCase.filter, testCase.stride, testCase.pad);
        const weights = Float32Array.from(seededValues(probe.size, 31, 0.5, 2));
        const weightTensor = tf.tensor(weights, probe.shape);
        const gradient = tf.grad((input: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.maxPool(input as tf.Tensor4D, testCase.filter, testCase.stride, testCase.pad),
              weightTensor,
            ),
          ),
        )(x);
        const expected = firstMaxGradient(testCase, values, weights);
        await expectTensorsClose(gradient, Array.from(expected));
        tf.dispose([x, probe, weightTensor, gradient]);
      });
    });
  }

  const gpu =
    backend === 'node-webgpu' || backend === 'webgpu' ? 'webgpu' : backend === 'webgl' ? 'webgl' : null;
  it.runIf(gpu !== null)(`${gpu} runs netlens’ MaxPoolGrad kernel`, () => {
    const kernel = tf.getKernel(MaxPoolGrad, gpu as string);
    expect(kernel && Symbol.for(`@netlens/backends/${gpu}-max-pool-grad`) in kernel.kernelFunc).toBe(true);
  });
});
