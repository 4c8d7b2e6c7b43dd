import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
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
  includeBatchInIndex: boolean;
}

const makeInput = poolInput;

const cases: Case[] = [];
for (const x of [
  [2, 7, 7, 3],
  [3, 8, 6, 4],
] as const) {
  for (const filterSize of [2, 3]) {
    for (const strides of [1, 2]) {
      for (const pad of ['valid', 'same'] as const) {
        for (const data of ['random', 'negative', 'ties'] as const) {
          for (const includeBatchInIndex of [false, true]) {
            cases.push({ x: [...x], filterSize, strides, pad, data, includeBatchInIndex });
          }
        }
      }
    }
  }
}

describe('MaxPoolWithArgmax on wasm', () => {
  beforeAll(setupParityBackends);

  it(`matches tfjs-cpu values and indexes over ${cases.length} cases`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        const { x, filterSize, strides, pad, data, includeBatchInIndex } = testCase;
        await expectWasmMatchesCpu(() => {
          const { result, indexes } = tf.maxPoolWithArgmax(
            makeInput(x, data, 51),
            filterSize,
            strides,
            pad,
            includeBatchInIndex,
          );
          return [result!, indexes!];
        }, JSON.stringify(testCase));
      }
    });
  });

  it('ignores NaN and gives all −∞ / all-NaN windows index −1, like tfjs-cpu', async () => {
    const values = Array.from(seededValues(1 * 4 * 4 * 2, 52, 3));
    // Window (0,0) channel 0 all NaN, window (0,1) channel 1 all −∞, one NaN in window (1,1).
    for (const index of [0, 2, 8, 10]) {
      values[index] = Number.NaN;
    }
    for (const index of [5, 7, 13, 15]) {
      values[index] = Number.NEGATIVE_INFINITY;
    }
    values[26] = Number.NaN;
    await expectNoLeaks(async () => {
      const [expectedPooled, expectedIndexes] = await computeOn('cpu', () => {
        const { result, indexes } = tf.maxPoolWithArgmax(tf.tensor4d(values, [1, 4, 4, 2]), 2, 2, 'valid');
        return [result!, indexes!];
      });
      const [pooled, indexes] = await computeOn('wasm', () => {
        const { result, indexes } = tf.maxPoolWithArgmax(tf.tensor4d(values, [1, 4, 4, 2]), 2, 2, 'valid');
        return [result!, indexes!];
      });
      expect(Array.from(indexes!)).toEqual(Array.from(expectedIndexes!));
      expect(Array.from(pooled!)).toEqual(Array.from(expectedPooled!));
    });
  });

  it('handles windows whose values are all ≤ 0 (stock: FLT_MIN at index 0)', async () => {
    // Three 3×3 windows: all zeros, 1…9 and −1…−9, each row-major.
    const values: number[] = [];
    for (let y = 0; y < 3; y++) {
      values.push(0, 0, 0, y * 3 + 1, y * 3 + 2, y * 3 + 3, -(y * 3 + 1), -(y * 3 + 2), -(y * 3 + 3));
    }
    await expectNoLeaks(async () => {
      const [pooled, indexes] = await computeOn('wasm', () => {
        const { result, indexes } = tf.maxPoolWithArgmax(tf.tensor4d(values, [1, 3, 9, 1]), 3, 3, 'valid');
        return [result!, indexes!];
      });
      expectClose(pooled!, [0, 9, -1]);
      expect(Array.from(indexes!)).toEqual([0, 2 * 9 + 5, 6]);
    });
  });
});
