import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import type { TensorInfo } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectNoLeaks,
  expectWasmMatchesCpu,
  seededTensor,
  setupParityBackends,
} from './__fixtures__/parity';
import { CHANNEL_BROADCAST_KERNELS, channelBroadcastPlan } from './channel-broadcast';
import { WASM_GRADIENT_KERNELS } from './install';

const info = (shape: number[], dtype: 'float32' | 'int32' = 'float32') => ({ shape, dtype }) as TensorInfo;

describe('per-channel broadcasts on wasm', () => {
  beforeAll(setupParityBackends);

  it('widens a [C]-vector against [..., C] tensors of at least 4096 values, and nothing else', () => {
    expect(channelBroadcastPlan(info([1, 224, 224, 3]), info([3]))).toEqual({
      full: 'a',
      outShape: [1, 224, 224, 3],
      repeats: 256,
      channels: 3,
    });
    expect(channelBroadcastPlan(info([1, 1, 1, 3]), info([2, 30, 30, 3]))).toMatchObject({
      full: 'b',
      repeats: 225,
    });
    expect(channelBroadcastPlan(info([64, 64, 3]), info([1, 1, 1, 3]))?.outShape).toEqual([1, 64, 64, 3]);
    // Long channel vectors, small tensors, other dtypes, real broadcasts and prime pixel counts go to the stock kernel.
    expect(channelBroadcastPlan(info([1, 55, 55, 64]), info([64]))).toBeUndefined();
    expect(channelBroadcastPlan(info([1, 8, 8, 3]), info([3]))).toBeUndefined();
    expect(channelBroadcastPlan(info([1, 224, 224, 3], 'int32'), info([3], 'int32'))).toBeUndefined();
    expect(channelBroadcastPlan(info([1, 224, 224, 3]), info([224, 1, 3]))).toBeUndefined();
    expect(channelBroadcastPlan(info([4099, 3]), info([3]))).toBeUndefined();
    expect(channelBroadcastPlan(info([1, 224, 224, 3]), info([1, 224, 224, 3]))).toBeUndefined();
  });

  it('gives the values of tfjs-cpu for add, sub, mul and div, in both argument orders', async () => {
    expect(WASM_GRADIENT_KERNELS).toEqual(expect.arrayContaining([...CHANNEL_BROADCAST_KERNELS]));
    const ops = [tf.add, tf.sub, tf.mul, tf.div] as const;
    await expectNoLeaks(async () => {
      for (const [index, op] of ops.entries()) {
        for (const [fullShape, vectorShape] of [
          [[1, 224, 224, 3], [3]],
          [
            [2, 30, 30, 3],
            [1, 1, 1, 3],
          ],
          [
            [64, 64, 3],
            [1, 1, 1, 3],
          ],
          [[3, 40, 50, 7], [7]],
          [[4099, 3], [3]],
        ] as const) {
          await expectWasmMatchesCpu(() => {
            const full = seededTensor([...fullShape], 300 + index);
            // Away from zero, so that division is well conditioned.
            const vector = tf.add(seededTensor([...vectorShape], 310 + index, 0.5), 1);
            return [op(full, vector), op(vector, full)];
          }, `${op.name} [${fullShape}] with [${vectorShape}]`);
        }
      }
    });
  });

  it('hand-checked: [[1, 2], [3, 4], …] times [10, 100] scales each channel', async () => {
    await tf.setBackend('wasm');
    await expectNoLeaks(async () => {
      const product = tf.tidy(() =>
        tf.mul(tf.reshape(tf.range(0, 8192, 1, 'float32'), [4096, 2]), tf.tensor1d([10, 100])),
      );
      const values = await product.data();
      expect([values[0], values[1], values[2], values[3], values[8191]]).toEqual([0, 100, 20, 300, 819100]);
      product.dispose();
    });
  });
});
