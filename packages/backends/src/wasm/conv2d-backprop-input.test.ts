import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
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
import { derivedTensorCount } from './internal-derived-cache';

const cases = convCases([1, 2, 3, [1, 2]], ['valid', 'same', explicitPad(1, 2, 0, 1)], 4);

function inputGradient({ x, filter, strides, pad }: ConvCase): tf.Tensor {
  const input = seededTensor<tf.Tensor4D>(x, 1);
  const weights = seededTensor<tf.Tensor4D>(filter, 2);
  const probe = tf.conv2d(input, weights, strides, pad);
  const upstream = seededTensor(probe.shape, 3);
  return tf.grad((value: tf.Tensor) =>
    tf.sum(tf.mul(tf.conv2d(value as tf.Tensor4D, weights, strides, pad), upstream)),
  )(input);
}

describe('Conv2DBackpropInput on wasm', () => {
  beforeAll(setupParityBackends);

  it(`matches tfjs-cpu over ${cases.length} shapes, strides and paddings`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        await expectWasmMatchesCpu(() => inputGradient(testCase), JSON.stringify(testCase));
      }
    });
  });

  it('matches tfjs-cpu for conv2dTranspose with dimRoundingMode', async () => {
    await expectNoLeaks(async () => {
      for (const dimRoundingMode of ['floor', 'round', 'ceil'] as const) {
        // (8 − 3 + 2) / 2 + 1 = 4.5 output rows: 4 when floored, 5 otherwise.
        const outSize = dimRoundingMode === 'floor' ? 4 : 5;
        const compute = () => {
          const dy = seededTensor<tf.Tensor4D>([2, outSize, outSize, 6], 4);
          const filter = seededTensor<tf.Tensor4D>([3, 3, 5, 6], 5);
          return tf.engine().runKernel(
            'Conv2DBackpropInput',
            { dy, filter },
            {
              inputShape: [2, 8, 8, 5],
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

  it('processes large strided gradients a few images at a time', async () => {
    const testCase: ConvCase = { x: [6, 64, 64, 32], filter: [3, 3, 32, 4], strides: 2, pad: 'same' };
    await expectNoLeaks(() => expectWasmMatchesCpu(() => inputGradient(testCase), 'chunked'));
  });

  it('equals a hand-computed 1-D case', async () => {
    // x = [x0 x1 x2], w = [1 2], stride 1, valid: y0 = x0 + 2·x1, y1 = x1 + 2·x2.
    // With dy = [1 10]: dx = [1, 2 + 10, 20].
    await expectNoLeaks(async () => {
      const [dx] = await computeOn('wasm', () =>
        tf.grad((x: tf.Tensor) =>
          tf.sum(
            tf.mul(
              tf.conv2d(x as tf.Tensor4D, tf.tensor4d([1, 2], [1, 2, 1, 1]), 1, 'valid'),
              tf.tensor4d([1, 10], [1, 1, 2, 1]),
            ),
          ),
        )(tf.zeros([1, 1, 3, 1])),
      );
      expectClose(dx!, [1, 12, 20]);
    });
  });

  it('flips each filter once, reuses the copy while the filter lives and frees it with the filter', async () => {
    await tf.setBackend('wasm');
    const wasm = tf.findBackend('wasm') as object & { numDataIds(): number };
    const tensorsBefore = tf.memory().numTensors;
    const dataBefore = wasm.numDataIds();
    const derivedBefore = derivedTensorCount(wasm);
    const dy = seededTensor<tf.Tensor4D>([1, 5, 5, 6], 6);
    const filter = seededTensor<tf.Tensor4D>([3, 3, 4, 6], 7);
    // Shares the filter's data under another shape (a separate flipped copy), and a copy with new data.
    const reshaped = tf.reshape(filter, [3, 3, 6, 4]) as tf.Tensor4D;
    const fresh = tf.add(filter, 0) as tf.Tensor4D;
    const transpose = (f: tf.Tensor4D, channels: number, seed: number) => {
      const upstream = seededTensor<tf.Tensor4D>([1, 5, 5, f.shape[3]], seed);
      const dx = tf.conv2dTranspose(upstream, f, [1, 5, 5, channels], 1, 'same');
      upstream.dispose();
      return dx;
    };
    const first = transpose(filter, 4, 6);
    expect(derivedTensorCount(wasm)).toBe(derivedBefore + 1);
    const again = transpose(filter, 4, 6);
    expect(derivedTensorCount(wasm)).toBe(derivedBefore + 1);
    const fromFresh = transpose(fresh, 4, 6);
    const fromReshaped = transpose(reshaped, 6, 8);
    expect(derivedTensorCount(wasm)).toBe(derivedBefore + 3);
    expectClose(await again.data(), await first.data());
    expectClose(await fromFresh.data(), await first.data());
    // The reshaped filter's copy is its own: compare with tfjs-cpu on the same values.
    const [expected] = await computeOn('cpu', () => {
      const cpuFilter = tf.reshape(seededTensor([3, 3, 4, 6], 7), [3, 3, 6, 4]) as tf.Tensor4D;
      return transpose(cpuFilter, 6, 8);
    });
    expectClose(await fromReshaped.data(), expected!);
    await tf.setBackend('wasm');
    tf.dispose([dy, first, again, fromFresh, fromReshaped, fresh, reshaped]);
    // The reshape still holds the data: both copies of the shared data live on until the filter goes.
    expect(derivedTensorCount(wasm)).toBe(derivedBefore + 2);
    filter.dispose();
    expect(derivedTensorCount(wasm)).toBe(derivedBefore);
    expect(wasm.numDataIds()).toBe(dataBefore);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    await tf.setBackend('cpu');
  });

  it('is registered for wasm only', () => {
    expect(tf.getKernel('Conv2DBackpropInput', 'cpu')?.backendName).toBe('cpu');
  });
});
