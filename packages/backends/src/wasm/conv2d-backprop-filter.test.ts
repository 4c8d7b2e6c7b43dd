import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  type ConvCase,
  computeOn,
  convCases,
  expectClose,
  expectNoLeaks,
  expectWasmMatchesCpu,
  explicitPad,
  seededTensor,
  setupParityBackends,
} from './__fixtures__/parity';

const cases = convCases([1, 2, 3, [2, 1]], ['valid', 'same', explicitPad(2, 0, 1, 1)], 6);

function filterGradient({ x, filter, strides, pad }: ConvCase): tf.Tensor {
  const input = seededTensor<tf.Tensor4D>(x, 11);
  const weights = seededTensor<tf.Tensor4D>(filter, 12);
  const probe = tf.conv2d(input, weights, strides, pad);
  const upstream = seededTensor(probe.shape, 13);
  return tf.grad((value: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(input, value as tf.Tensor4D, strides, pad), upstream)),
  )(weights);
}

describe('Conv2DBackpropFilter on wasm', () => {
  beforeAll(setupParityBackends);

  it(`matches tfjs-cpu over ${cases.length} shapes, strides and paddings`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        await expectWasmMatchesCpu(() => filterGradient(testCase), JSON.stringify(testCase));
      }
    });
  });

  it('matches tfjs-cpu with dimRoundingMode', async () => {
    await expectNoLeaks(async () => {
      for (const dimRoundingMode of ['floor', 'round', 'ceil'] as const) {
        const outSize = dimRoundingMode === 'floor' ? 4 : 5;
        const compute = () => {
          const x = seededTensor<tf.Tensor4D>([2, 8, 8, 3], 14);
          const dy = seededTensor<tf.Tensor4D>([2, outSize, outSize, 4], 15);
          return tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x, dy },
            {
              filterShape: [3, 3, 3, 4],
              strides: 2,
              pad: 1,
              dataFormat: 'NHWC',
              dimRoundingMode,
            },
          ) as tf.Tensor;
        };
        await expectWasmMatchesCpu(compute, dimRoundingMode);
      }
    });
  });

  it('accumulates large inputs a few images at a time', async () => {
    const testCase: ConvCase = { x: [5, 48, 48, 64], filter: [3, 3, 64, 4], strides: 1, pad: 'same' };
    await expectNoLeaks(() => expectWasmMatchesCpu(() => filterGradient(testCase), 'chunked'));
  });

  it('equals a hand-computed 1-D case', async () => {
    // y0 = x0·w0 + x1·w1, y1 = x1·w0 + x2·w1 with x = [1 2 3], dy = [1 10]:
    // dw0 = 1·1 + 2·10 = 21, dw1 = 2·1 + 3·10 = 32.
    await expectNoLeaks(async () => {
      const [dw] = await computeOn('wasm', () =>
        tf.grad((w: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.conv2d(tf.tensor4d([1, 2, 3], [1, 1, 3, 1]), w as tf.Tensor4D, 1, 'valid'),
              tf.tensor4d([1, 10], [1, 1, 2, 1]),
            ),
          ),
        )(tf.zeros([1, 2, 1, 1])),
      );
      expectClose(dw!, [21, 32]);
    });
  });
});
