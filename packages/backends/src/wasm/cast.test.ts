import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, setupParityBackends } from './__fixtures__/parity';

const wasmDataIds = () => tf.findBackend('wasm')!.numDataIds();

describe('Cast on wasm', () => {
  beforeAll(async () => {
    await setupParityBackends();
    await tf.setBackend('wasm');
  });

  it('casts to the same dtype without copying, and to other dtypes like tfjs-cpu', async () => {
    await expectNoLeaks(async () => {
      const x = tf.tensor1d([1.5, -2.25, 0, 3]);
      const ints = tf.tensor1d([0, -2, 7], 'int32');
      const ids = wasmDataIds();
      const same = tf.cast(x, 'float32');
      expect(wasmDataIds()).toBe(ids);
      const asInt = tf.cast(x, 'int32');
      const asBool = tf.cast(x, 'bool');
      const back = tf.cast(asInt, 'float32');
      const intsAsBool = tf.cast(ints, 'bool');
      expect(Array.from(same.dataSync())).toEqual([1.5, -2.25, 0, 3]);
      expect(Array.from(asInt.dataSync())).toEqual([1, -2, 0, 3]);
      expect(Array.from(asBool.dataSync())).toEqual([1, 1, 0, 1]);
      expect(back.dtype).toBe('float32');
      expect(Array.from(back.dataSync())).toEqual([1, -2, 0, 3]);
      expect(Array.from(intsAsBool.dataSync())).toEqual([0, 1, 1]);
      tf.dispose([x, ints, same, asInt, asBool, back, intsAsBool]);
    });
  });
});
