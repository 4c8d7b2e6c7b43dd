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
  type PoolData,
  poolInput,
  seededValues,
  setupParityBackends,
} from './__fixtures__/parity';

type Data = PoolData;

interface Case {
  x: [number, number, number, number];
  filterSize: number;
  strides: number;
  pad: 'valid' | 'same';
  data: Data;
}

const makeInput = poolInput;

const cases: Case[] = [];
for (const x of [
  [2, 7, 7, 3],
  [1, 8, 8, 4],
  [2, 9, 6, 5],
] as const) {
  for (const filterSize of [2, 3]) {
    for (const strides of [1, 2]) {
      for (const pad of ['valid', 'same'] as const) {
        for (const data of ['random', 'negative', 'ties'] as const) {
          cases.push({ x: [...x], filterSize, strides, pad, data });
        }
      }
    }
  }
}

function maxPoolGradient({ x, filterSize, strides, pad, data }: Case): tf.Tensor {
  const input = makeInput(x, data, 31);
  const probe = tf.maxPool(input, filterSize, strides, pad);
  const upstream = tf.tensor(seededValues(probe.size, 32), probe.shape);
  return tf.grad((value: tf.Tensor) =>
    tf.sum(tf.mul(tf.maxPool(value as tf.Tensor4D, filterSize, strides, pad), upstream)),
  )(input);
}

describe('MaxPoolGrad on wasm', () => {
  beforeAll(setupParityBackends);

  it(`matches tfjs-cpu over ${cases.length} cases (valid/same, stride 1/2, size 2/3, ≤ 0 windows, ties)`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        await expectWasmMatchesCpu(() => maxPoolGradient(testCase), JSON.stringify(testCase));
      }
    });
  });

  it('matches tfjs-cpu with dimRoundingMode', async () => {
    await expectNoLeaks(async () => {
      for (const dimRoundingMode of ['floor', 'round', 'ceil'] as const) {
        const outSize = dimRoundingMode === 'floor' ? 4 : 5;
        await expectWasmMatchesCpu(() => {
          const input = makeInput([2, 8, 8, 3], 'random', 33);
          const dy = tf.tensor4d(seededValues(2 * outSize * outSize * 3, 34), [2, outSize, outSize, 3]);
          const output = tf.zeros([2, outSize, outSize, 3]);
          return tf.engine().runKernel(
            'MaxPoolGrad',
            { dy, input, output },
            {
              filterSize: 3,
              strides: 2,
              pad: 1,
              dimRoundingMode,
            },
          ) as tf.Tensor;
        }, dimRoundingMode);
      }
    });
  });

  it('only takes the forward output as candidates: an inconsistent output cannot misroute dy', async () => {
    await expectNoLeaks(async () => {
      for (const [filterSize, strides, pad] of [
        [3, 2, 'valid'],
        [2, 2, 'valid'],
        [3, 1, 'same'],
      ] as const) {
        await expectWasmMatchesCpu(() => {
          const input = makeInput([2, 9, 9, 4], 'ties', 37);
          // Each window's minimum: a value some tap equals, but not the maximum.
          const output = tf.neg(tf.maxPool(tf.neg(input), filterSize, strides, pad));
          const dy = tf.tensor(seededValues(output.size, 38), output.shape);
          return tf
            .engine()
            .runKernel('MaxPoolGrad', { dy, input, output }, { filterSize, strides, pad }) as tf.Tensor;
        }, `${filterSize}/${strides} ${pad}`);
      }
    });
  });

  it('ignores NaN and treats all −∞ windows like tfjs-cpu', async () => {
    const values = Array.from(seededValues(2 * 6 * 6 * 3, 35, 3));
    for (const index of [0, 7, 20, 41, 42, 43, 100, 150]) {
      values[index] = Number.NaN;
    }
    for (const index of [60, 61, 62, 63, 64, 65, 78, 79, 80, 81, 82, 83]) {
      values[index] = Number.NEGATIVE_INFINITY;
    }
    await expectNoLeaks(async () => {
      for (const pad of ['valid', 'same'] as const) {
        await expectWasmMatchesCpu(() => {
          const input = tf.tensor4d(values, [2, 6, 6, 3]);
          const output = tf.maxPool(input, 2, 2, pad);
          const dy = tf.tensor(seededValues(output.size, 36), output.shape);
          return tf
            .engine()
            .runKernel('MaxPoolGrad', { dy, input, output }, { filterSize: 2, strides: 2, pad }) as tf.Tensor;
        }, pad);
      }
    });
  });

  it('keeps the gradient of windows in the padding (the stock kernel drops it)', async () => {
    // maxPool 3×3, stride 1, 'same' over [-1 … -9]: each of the 9 windows picks its largest value;
    // -1 wins 4 windows, -2 and -4 two each, -5 one.
    await expectNoLeaks(async () => {
      const [dx] = await computeOn('wasm', () =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 3, 1, 'same')))(
          tf.tensor4d([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]),
        ),
      );
      expectClose(dx!, [4, 2, 0, 2, 1, 0, 0, 0, 0]);
    });
  });

  it('gives a tie to the first maximum in the window', async () => {
    await expectNoLeaks(async () => {
      const [dx] = await computeOn('wasm', () =>
        tf.grad((x: tf.Tensor) => tf.sum(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid')))(
          tf.zeros([1, 2, 2, 1]),
        ),
      );
      expectClose(dx!, [1, 0, 0, 0]);
    });
  });
});
