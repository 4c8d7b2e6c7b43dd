import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../select-backend';
import { expectNoLeak } from '../testing/index';
import { installWasmGradients, uninstallWasmGradients } from './install';

describe('wasm OneHot', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { readEnvironment: false });
  });

  it('writes on and off values in the dtype asked for, any index shape, off rows for outside indices', async () => {
    await expectNoLeak(async () => {
      const [floats, ints, custom] = tf.tidy(() => [
        tf.oneHot(tf.tensor1d([1, 0, 3], 'int32'), 3, 1, 0, 'float32'),
        tf.oneHot(tf.tensor2d([2, 0], [1, 2], 'int32'), 3),
        tf.oneHot(tf.tensor1d([0, -1], 'int32'), 2, 0.5, -2, 'float32'),
      ]) as [tf.Tensor, tf.Tensor, tf.Tensor];
      expect(floats.dtype).toBe('float32');
      expect(Array.from(await floats.data())).toEqual([0, 1, 0, 1, 0, 0, 0, 0, 0]);
      expect([ints.dtype, ints.shape]).toEqual(['int32', [1, 2, 3]]);
      expect(Array.from(await ints.data())).toEqual([0, 0, 1, 1, 0, 0]);
      expect(Array.from(await custom.data())).toEqual([0.5, -2, -2, -2]);
      tf.dispose([floats, ints, custom]);
    });
  });

  it('fixes what the stock kernel gets wrong', async () => {
    uninstallWasmGradients();
    try {
      const stock = tf.tidy(() => tf.oneHot(tf.tensor1d([1], 'int32'), 2, 1, 0, 'float32'));
      expect((await stock.data())[1]).not.toBe(1);
      stock.dispose();
    } finally {
      installWasmGradients();
    }
  });
});
