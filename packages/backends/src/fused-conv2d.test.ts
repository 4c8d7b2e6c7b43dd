import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from './errors';
import { fusedConv2d } from './fused-conv2d';
import {
  checkGradient,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
} from './testing/index';

type Case = {
  name: string;
  xShape: [number, number, number, number];
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number;
  activation: 'linear' | 'relu';
  bias: boolean;
};

const CASES: Case[] = [
  {
    name: '3×3 same, relu, bias',
    xShape: [2, 6, 5, 3],
    filterShape: [3, 3, 3, 4],
    strides: 1,
    pad: 'same',
    activation: 'relu',
    bias: true,
  },
  {
    name: '3×3 stride 2 valid, relu, bias',
    xShape: [1, 9, 8, 2],
    filterShape: [3, 3, 2, 5],
    strides: 2,
    pad: 'valid',
    activation: 'relu',
    bias: true,
  },
  {
    name: '1×1, linear, no bias',
    xShape: [2, 4, 4, 6],
    filterShape: [1, 1, 6, 3],
    strides: 1,
    pad: 'valid',
    activation: 'linear',
    bias: false,
  },
  {
    name: '2×3 strides [2, 1], pad 1, relu, no bias',
    xShape: [1, 7, 6, 2],
    filterShape: [2, 3, 2, 3],
    strides: [2, 1],
    pad: 1,
    activation: 'relu',
    bias: false,
  },
];

function makeCase(c: Case, seed: number) {
  const x = tf.tensor4d(seededValues(tf.util.sizeFromShape(c.xShape), seed, -1, 1), c.xShape);
  const filter = tf.tensor4d(
    seededValues(tf.util.sizeFromShape(c.filterShape), seed + 1, -0.5, 0.5),
    c.filterShape,
  );
  const bias = c.bias ? tf.tensor1d(seededValues(c.filterShape[3], seed + 2, -0.3, 0.3)) : undefined;
  // Weights of the output, so every position has its own gradient.
  const outShape = tf.tidy(() => unfused(c, x, filter).shape);
  const weights = tf.tensor(seededValues(tf.util.sizeFromShape(outShape), seed + 3, -1, 1), outShape);
  return { x, filter, bias, weights };
}

/** The unfused reference: `conv2d`, `add` and `relu` as separate ops, each with tfjs-core's own gradient. */
function unfused(c: Case, x: tf.Tensor4D, filter: tf.Tensor4D, bias?: tf.Tensor1D): tf.Tensor4D {
  // A numeric pad as explicit zeros: tf.conv2d sizes a numeric pad's output wrongly for non-square filters.
  const padded =
    typeof c.pad === 'number'
      ? tf.pad(x, [
          [0, 0],
          [c.pad, c.pad],
          [c.pad, c.pad],
          [0, 0],
        ])
      : x;
  let y = tf.conv2d(padded, filter, c.strides, typeof c.pad === 'number' ? 'valid' : c.pad);
  if (bias) y = tf.add(y, bias);
  return c.activation === 'relu' ? tf.relu(y) : y;
}

describeOnBackends('fusedConv2d', () => {
  for (const [index, c] of CASES.entries()) {
    it(`${c.name}: output and the x, filter and bias gradients equal conv2d + add + relu`, async () => {
      const { x, filter, bias, weights } = makeCase(c, 10 * index + 1);
      await expectNoLeak(async () => {
        const fusedLoss = (xs: tf.Tensor4D, fs: tf.Tensor4D, bs?: tf.Tensor1D) =>
          tf.sum(
            tf.mul(
              fusedConv2d({
                x: xs,
                filter: fs,
                bias: bs,
                strides: c.strides,
                pad: c.pad,
                activation: c.activation,
              }),
              weights,
            ),
          );
        const referenceLoss = (xs: tf.Tensor4D, fs: tf.Tensor4D, bs?: tf.Tensor1D) =>
          tf.sum(tf.mul(unfused(c, xs, fs, bs), weights));
        const inputs = bias ? [x, filter, bias] : [x, filter];
        const actual = tf.grads((...args: tf.Tensor[]) =>
          fusedLoss(...(args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D])),
        )(inputs);
        const expected = tf.grads((...args: tf.Tensor[]) =>
          referenceLoss(...(args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D])),
        )(inputs);
        const [y, yReference] = tf.tidy(() => [
          fusedConv2d({ x, filter, bias, strides: c.strides, pad: c.pad, activation: c.activation }),
          unfused(c, x, filter, bias),
        ]);
        await expectTensorsClose(y as tf.Tensor, yReference as tf.Tensor);
        for (const [i, gradient] of actual.entries()) {
          await expectTensorsClose(gradient, expected[i] as tf.Tensor);
        }
        // Not vacuous: ReLU zeroes part of the map, so the masked gradient differs from the linear one.
        if (c.activation === 'relu') expect(Array.from(await (y as tf.Tensor).data())).toContain(0);
        tf.dispose([...actual, ...expected, y as tf.Tensor, yReference as tf.Tensor]);
      });
      tf.dispose([x, filter, weights, ...(bias ? [bias] : [])]);
    });
  }

  it('its x gradient equals a numeric gradient check', async () => {
    const c = CASES[1] as Case;
    const { x, filter, bias, weights } = makeCase(c, 7);
    await expectNoLeak(async () => {
      await checkGradient(
        (xs: tf.Tensor4D) =>
          tf.sum(
            tf.mul(
              fusedConv2d({ x: xs, filter, bias, strides: c.strides, pad: c.pad, activation: 'relu' }),
              weights,
            ),
          ),
        x,
        { delta: 1e-2, tolerance: 2e-2 },
      );
    });
    tf.dispose([x, filter, weights, bias as tf.Tensor]);
  });

  it('stays one FusedConv2D kernel under tf.grad and computes only the gradients asked for', async () => {
    const c = CASES[0] as Case;
    const { x, filter, bias, weights } = makeCase(c, 3);
    await expectNoLeak(async () => {
      const info = await tf.profile(() =>
        tf.grad((xs: tf.Tensor) =>
          tf.sum(
            tf.mul(
              fusedConv2d({ x: xs as tf.Tensor4D, filter, bias, pad: 'same', activation: 'relu' }),
              weights,
            ),
          ),
        )(x),
      );
      const kernels = info.kernels.map((kernel) => kernel.name);
      expect(kernels).toContain('FusedConv2D');
      expect(kernels).toContain('Conv2DBackpropInput');
      for (const unfusedKernel of ['Conv2D', 'Relu', 'Conv2DBackpropFilter'])
        expect(kernels).not.toContain(unfusedKernel);
      tf.dispose(info.result as tf.Tensor);
    });
    tf.dispose([x, filter, weights, bias as tf.Tensor]);
  });

  it('refuses bad arguments with typed errors naming them, and leaves no tensors', () => {
    const x = tf.zeros([1, 5, 5, 3]) as tf.Tensor4D;
    const filter = tf.zeros([3, 3, 3, 2]) as tf.Tensor4D;
    const rank3 = tf.zeros([5, 5, 3]) as unknown as tf.Tensor4D;
    const twoChannelFilter = tf.zeros([3, 3, 2, 2]) as tf.Tensor4D;
    const longBias = tf.zeros([3]) as tf.Tensor1D;
    const before = tf.memory().numTensors;
    const attempts: [string, () => unknown][] = [
      ['x', () => fusedConv2d({ x: rank3, filter, pad: 'valid' })],
      ['filter', () => fusedConv2d({ x, filter: twoChannelFilter, pad: 'valid' })],
      ['bias', () => fusedConv2d({ x, filter, bias: longBias, pad: 'valid' })],
      ['activation', () => fusedConv2d({ x, filter, pad: 'valid', activation: 'elu' as 'relu' })],
    ];
    for (const [argument, attempt] of attempts) {
      expect(attempt).toThrow(InvalidArgumentError);
      expect(attempt).toThrow(`Invalid ${argument}:`);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, filter, rank3, twoChannelFilter, longBias]);
  });
});
