import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  computeOn,
  expectClose,
  expectNoLeaks,
  expectWasmMatchesCpu,
  seededTensor,
  setupParityBackends,
} from './__fixtures__/parity';

type Pad = 'valid' | 'same' | [[number, number], [number, number], [number, number], [number, number]];

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  dilations: number;
  pad: Pad;
}

const explicitPad: Pad = [
  [0, 0],
  [1, 0],
  [2, 1],
  [0, 0],
];

const cases: Case[] = [];
for (const x of [
  [2, 7, 7, 3],
  [1, 9, 8, 4],
] as const) {
  for (const size of [1, 2, 3]) {
    for (const multiplier of [1, 2, 3]) {
      for (const [strides, dilations] of [
        [1, 1],
        [2, 1],
        [3, 1],
        [1, 2],
      ] as const) {
        for (const pad of ['valid', 'same', explicitPad] as const) {
          cases.push({ x: [...x], filter: [size, size, x[3], multiplier], strides, dilations, pad });
        }
      }
    }
  }
}

function inputs({ x, filter, strides, dilations, pad }: Case) {
  const input = seededTensor<tf.Tensor4D>(x, 21);
  const weights = seededTensor<tf.Tensor4D>(filter, 22);
  const probe = tf.depthwiseConv2d(input, weights, strides, pad, 'NHWC', dilations);
  const dy = seededTensor<tf.Tensor4D>(probe.shape, 23);
  return { input, weights, dy };
}

/**
 * The filter with `dilation − 1` zeros between taps: a dilation-1 convolution with it equals the
 * dilated convolution. tfjs-cpu's depthwise backprop kernels ignore `dilations` (the gradient
 * config only allows 1), so dilated cases are checked against cpu on this filter instead.
 */
function dilateFilter(weights: tf.Tensor4D, dilation: number): tf.Tensor4D {
  const [fh, fw, channels, multiplier] = weights.shape;
  const height = (fh - 1) * dilation + 1;
  const width = (fw - 1) * dilation + 1;
  const source = weights.dataSync();
  const values = new Float32Array(height * width * channels * multiplier);
  const tap = channels * multiplier;
  for (let kh = 0; kh < fh; kh++) {
    for (let kw = 0; kw < fw; kw++) {
      const from = (kh * fw + kw) * tap;
      values.set(source.subarray(from, from + tap), (kh * dilation * width + kw * dilation) * tap);
    }
  }
  return tf.tensor4d(values, [height, width, channels, multiplier]);
}

function inputGradient(testCase: Case, reference: boolean): tf.Tensor {
  const { input, weights, dy } = inputs(testCase);
  const { strides, dilations, pad } = testCase;
  if (dilations === 1) {
    return tf.grad((value: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(value as tf.Tensor4D, weights, strides, pad), dy)),
    )(input);
  }
  const filter = reference ? dilateFilter(weights, dilations) : weights;
  return tf
    .engine()
    .runKernel(
      'DepthwiseConv2dNativeBackpropInput',
      { dy, filter },
      { strides, dilations: reference ? 1 : dilations, pad, inputShape: testCase.x },
    ) as tf.Tensor;
}

function filterGradient(testCase: Case, reference: boolean): tf.Tensor {
  const { input, weights, dy } = inputs(testCase);
  const { strides, dilations, pad, filter } = testCase;
  if (dilations === 1) {
    return tf.grad((value: tf.Tensor) =>
      tf.sum(tf.mul(tf.depthwiseConv2d(input, value as tf.Tensor4D, strides, pad), dy)),
    )(weights);
  }
  if (!reference) {
    return tf
      .engine()
      .runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x: input, dy },
        { strides, dilations, pad, filterShape: filter },
      ) as tf.Tensor;
  }
  const dilated = dilateFilter(weights, dilations);
  const gradient = tf
    .engine()
    .runKernel(
      'DepthwiseConv2dNativeBackpropFilter',
      { x: input, dy },
      { strides, dilations: 1, pad, filterShape: dilated.shape },
    ) as tf.Tensor4D;
  return tf.stridedSlice(gradient, [0, 0, 0, 0], dilated.shape, [dilations, dilations, 1, 1]);
}

async function expectMatches(compute: (testCase: Case, reference: boolean) => tf.Tensor, testCase: Case) {
  const [expected] = await computeOn('cpu', () => compute(testCase, true));
  const [actual] = await computeOn('wasm', () => compute(testCase, false));
  expectClose(actual!, expected!, JSON.stringify(testCase));
}

describe('depthwise conv gradients on wasm', () => {
  beforeAll(setupParityBackends);

  it(`DepthwiseConv2dNativeBackpropInput matches tfjs-cpu over ${cases.length} cases (multiplier 1–3, dilation 2)`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        await expectMatches(inputGradient, testCase);
      }
    });
  });

  it(`DepthwiseConv2dNativeBackpropFilter matches tfjs-cpu over ${cases.length} cases (multiplier 1–3, dilation 2)`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        await expectMatches(filterGradient, testCase);
      }
    });
  });

  it('equals a hand-computed 1-D case with channel multiplier 2', async () => {
    // x = [1 2 3] (one channel), w = [[1, 10], [2, 20]] (taps × multiplier), stride 1, valid:
    // y[o, q] = x[o]·w[0, q] + x[o+1]·w[1, q]. With dy = [[1, 0], [0, 1]]:
    // dx = [w00, w10 + w01, w11] = [1, 12, 20] and dw = [[x0, x1], [x1, x2]] = [[1, 2], [2, 3]].
    await expectNoLeaks(async () => {
      const [dx, dw] = await computeOn('wasm', () => {
        const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
        const w = tf.tensor4d([1, 10, 2, 20], [1, 2, 1, 2]);
        const dy = tf.tensor4d([1, 0, 0, 1], [1, 1, 2, 2]);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'valid'), dy)),
        )([x, w]);
      });
      expectClose(dx!, [1, 12, 20]);
      expectClose(dw!, [1, 2, 2, 3]);
    });
  });

  it('matches tfjs-cpu with dimRoundingMode', async () => {
    await expectNoLeaks(async () => {
      for (const dimRoundingMode of ['floor', 'round', 'ceil'] as const) {
        const outSize = dimRoundingMode === 'floor' ? 4 : 5;
        const attrs = { strides: 2, dilations: 1, pad: 1, dimRoundingMode };
        await expectWasmMatchesCpu(() => {
          const x = seededTensor<tf.Tensor4D>([2, 8, 8, 3], 24);
          const filter = seededTensor<tf.Tensor4D>([3, 3, 3, 2], 25);
          const dy = seededTensor<tf.Tensor4D>([2, outSize, outSize, 6], 26);
          return [
            tf.engine().runKernel(
              'DepthwiseConv2dNativeBackpropInput',
              { dy, filter },
              {
                ...attrs,
                inputShape: [2, 8, 8, 3],
              },
            ) as tf.Tensor,
            tf.engine().runKernel(
              'DepthwiseConv2dNativeBackpropFilter',
              { x, dy },
              {
                ...attrs,
                filterShape: [3, 3, 3, 2],
              },
            ) as tf.Tensor,
          ];
        }, dimRoundingMode);
      }
    });
  });
});
