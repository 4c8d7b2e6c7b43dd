import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../select-backend';
import { expectNoLeak } from '../testing/index';
import { installWasmGradients, uninstallWasmGradients } from './install';

const VALUES = [1e-12, -1e-12, 1e-9, -3e-8, 1e-30, 0, -0, 3, -2, Number.NaN, Number.POSITIVE_INFINITY];
const EXPECTED = [1, -1, 1, -1, 1, 0, 0, 1, -1, 0, 1];

describe('wasm Sign', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { readEnvironment: false });
  });

  it('gives ±1 for tiny float32 values, 0 for zero and NaN, as tfjs-cpu does', async () => {
    await expectNoLeak(async () => {
      const sign = tf.tidy(() => tf.sign(tf.tensor1d(VALUES)));
      expect(Array.from(await sign.data())).toEqual(EXPECTED);
      tf.dispose(sign);
    });
  });

  it('fixes what the stock kernel gets wrong, and leaves int32 to it', async () => {
    uninstallWasmGradients();
    try {
      const stock = tf.tidy(() => tf.sign(tf.tensor1d([1e-9, -1e-9])));
      expect(Array.from(await stock.data())).toEqual([0, 0]);
      stock.dispose();
    } finally {
      installWasmGradients();
    }
    const integers = tf.tidy(() => tf.sign(tf.tensor1d([5, -7, 0], 'int32')));
    expect(integers.dtype).toBe('int32');
    expect(Array.from(await integers.data())).toEqual([1, -1, 0]);
    integers.dispose();
  });
});
