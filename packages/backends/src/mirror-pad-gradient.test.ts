import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { describeOnBackends, expectNoLeak, expectTensorsClose, seededValues } from './testing/index';

type Case = {
  name: string;
  shape: number[];
  paddings: Array<[number, number]>;
  mode: 'reflect' | 'symmetric';
};

const CASES: readonly Case[] = [
  { name: 'rank 1 reflect', shape: [5], paddings: [[2, 3]], mode: 'reflect' },
  { name: 'rank 1 symmetric, padding the whole length', shape: [3], paddings: [[3, 1]], mode: 'symmetric' },
  {
    name: 'NHWC reflect (an image before a convolution)',
    shape: [2, 5, 4, 3],
    paddings: [
      [0, 0],
      [2, 1],
      [1, 3],
      [0, 0],
    ],
    mode: 'reflect',
  },
  {
    name: 'NHWC symmetric',
    shape: [1, 4, 3, 2],
    paddings: [
      [0, 0],
      [3, 4],
      [2, 0],
      [1, 1],
    ],
    mode: 'symmetric',
  },
];

/**
 * Mirror padding as TensorFlow defines it, and the exact gradient of Σ w · mirrorPad(x), in float64:
 * each padded position reads one input index per axis, and that input gets the position's weight.
 */
function reference({ shape, paddings, mode }: Case, x: Float32Array, weights: Float32Array) {
  const offset = mode === 'reflect' ? 1 : 0;
  const outShape = shape.map(
    (size, axis) => size + (paddings[axis] as [number, number])[0] + (paddings[axis] as [number, number])[1],
  );
  const source = (p: number, axis: number) => {
    const size = shape[axis] as number;
    const i = p - (paddings[axis] as [number, number])[0];
    if (i < 0) return -i - 1 + offset;
    if (i >= size) return 2 * size - i - 1 - offset;
    return i;
  };
  const strides = (dims: number[]) => dims.map((_, axis) => dims.slice(axis + 1).reduce((a, b) => a * b, 1));
  const inStrides = strides(shape);
  const outStrides = strides(outShape);
  const outSize = outShape.reduce((a, b) => a * b, 1);
  const output = new Float64Array(outSize);
  const gradient = new Float64Array(x.length);
  for (let o = 0; o < outSize; o++) {
    let index = 0;
    for (let axis = 0; axis < shape.length; axis++) {
      const p = Math.floor(o / (outStrides[axis] as number)) % (outShape[axis] as number);
      index += source(p, axis) * (inStrides[axis] as number);
    }
    output[o] = x[index] as number;
    gradient[index] = (gradient[index] as number) + (weights[o] as number);
  }
  return { output, gradient, outShape };
}

describeOnBackends('MirrorPad gradient', () => {
  it('folds [b, a, b, c, b] back onto b (reflect by one)', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const w = tf.tensor1d([1, 10, 100, 1000, 10000]);
    await expectNoLeak(async () => {
      const gradient = tf.grad((input) => tf.sum(tf.mul(tf.mirrorPad(input, [[1, 1]], 'reflect'), w)))(x);
      expect(Array.from(await gradient.data())).toEqual([10, 10101, 1000]);
      gradient.dispose();
    });
    tf.dispose([x, w]);
  });

  for (const testCase of CASES) {
    it(`${testCase.name}: equals the exact gradient of TF's mirror pad`, async () => {
      const size = testCase.shape.reduce((product, dimension) => product * dimension, 1);
      const values = seededValues(size, 61, -1, 1);
      const x = tf.tensor(values, testCase.shape);
      const probe = tf.mirrorPad(x, testCase.paddings, testCase.mode);
      const weights = seededValues(probe.size, 62, -1, 1);
      const expected = reference(testCase, values, weights);
      expect(probe.shape).toEqual(expected.outShape);
      const padded = tf.tensor(Float32Array.from(expected.output), expected.outShape);
      await expectTensorsClose(probe, padded);
      padded.dispose();
      const w = tf.tensor(weights, probe.shape);
      probe.dispose();
      await expectNoLeak(async () => {
        const gradient = tf.grad((input) =>
          tf.sum(tf.mul(tf.mirrorPad(input, testCase.paddings, testCase.mode), w)),
        )(x);
        const exact = tf.tensor(Float32Array.from(expected.gradient), testCase.shape);
        await expectTensorsClose(gradient, exact);
        tf.dispose([gradient, exact]);
      });
      tf.dispose([x, w]);
    });
  }
});
