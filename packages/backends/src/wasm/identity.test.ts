import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, seededTensor, setupParityBackends } from './__fixtures__/parity';

const wasmDataIds = () => tf.findBackend('wasm')!.numDataIds();

describe('Identity on wasm (memory sharing)', () => {
  beforeAll(async () => {
    await setupParityBackends();
    await tf.setBackend('wasm');
  });

  it('clones without copying, and each reference is released on its own', async () => {
    await expectNoLeaks(async () => {
      const x = seededTensor([4, 5], 111);
      const expected = Array.from(x.dataSync());
      const ids = wasmDataIds();
      const copy = tf.clone(x);
      expect(wasmDataIds()).toBe(ids);
      x.dispose();
      expect(Array.from(copy.dataSync())).toEqual(expected);
      copy.dispose();
    });
  });

  it('keeps string tensors on the stock kernels', async () => {
    await expectNoLeaks(async () => {
      const strings = tf.tensor1d(['a', 'bc']);
      const copy = tf.clone(strings);
      strings.dispose();
      expect(copy.dataSync()).toEqual(['a', 'bc']);
      copy.dispose();
    });
  });

  it('keeps the tensors that the gradient tape saves intact', async () => {
    await expectNoLeaks(async () => {
      const x = seededTensor([3, 3], 112);
      const gradient = tf.grad((value: tf.Tensor) => tf.sum(tf.mul(value, value)))(x);
      const expected = Array.from(x.dataSync(), (value) => 2 * value);
      const actual = Array.from(gradient.dataSync());
      actual.forEach((value, i) => {
        expect(value).toBeCloseTo(expected[i]!, 6);
      });
      tf.dispose([x, gradient]);
    });
  });
});
