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

interface Case {
  x: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number;
  pad: 'valid' | 'same';
}

const cases: Case[] = [];
for (const x of [
  [2, 7, 7, 3],
  [1, 8, 8, 4],
  [2, 9, 6, 5],
] as const) {
  for (const filterSize of [2, 3, [2, 3]] as const) {
    for (const strides of [1, 2, 3]) {
      for (const pad of ['valid', 'same'] as const) {
        cases.push({ x: [...x], filterSize: filterSize as Case['filterSize'], strides, pad });
      }
    }
  }
}

/** The input gradient of `avgPool` for a seeded upstream gradient. */
function avgPoolGradient({ x, filterSize, strides, pad }: Case): tf.Tensor {
  const input = seededTensor<tf.Tensor4D>(x, 41);
  const probe = tf.avgPool(input, filterSize, strides, pad);
  const upstream = seededTensor(probe.shape, 42);
  return tf.grad((value: tf.Tensor) =>
    tf.sum(tf.mul(tf.avgPool(value as tf.Tensor4D, filterSize, strides, pad), upstream)),
  )(input);
}

describe('AvgPoolGrad on wasm', () => {
  beforeAll(setupParityBackends);

  it(`matches tfjs-cpu over ${cases.length} cases`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        await expectWasmMatchesCpu(() => avgPoolGradient(testCase), JSON.stringify(testCase));
      }
    });
  });

  it('divides by the full window at borders, as tfjs-cpu does', async () => {
    // The kernel itself, avgPool 2×2, stride 1, 'same' over 2×2: tfjs pads bottom/right and the
    // kernel spreads 1/4 per window (netlens' AvgPool gradient rescales dy to the covered count).
    await expectNoLeaks(async () => {
      const [dx] = await computeOn(
        'wasm',
        () =>
          tf
            .engine()
            .runKernel(
              'AvgPoolGrad',
              { dy: tf.ones([1, 2, 2, 1]), input: tf.zeros([1, 2, 2, 1]) },
              { filterSize: 2, strides: 1, pad: 'same' },
            ) as tf.Tensor,
      );
      expectClose(dx!, [0.25, 0.5, 0.5, 1]);
    });
  });
});
