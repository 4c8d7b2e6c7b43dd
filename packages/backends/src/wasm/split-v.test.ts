import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectNoLeaks,
  expectWasmMatchesCpu,
  seededTensor,
  setupParityBackends,
} from './__fixtures__/parity';

describe('SplitV on wasm (concat gradient)', () => {
  beforeAll(setupParityBackends);

  it('gives concat the same gradient as tfjs-cpu on every axis', async () => {
    await expectNoLeaks(async () => {
      for (const axis of [0, 1, 2, 3, -1]) {
        await expectWasmMatchesCpu(() => {
          const shapes = [
            [2, 3, 4, 5],
            [2, 3, 4, 5],
          ].map((shape) => {
            const copy = [...shape];
            copy[(axis + 4) % 4] = 2 + copy[(axis + 4) % 4]!;
            return copy;
          });
          const parts = shapes.map((shape, i) => seededTensor(shape, 101 + i));
          const probe = tf.concat(parts, axis);
          const upstream = seededTensor(probe.shape, 103);
          return tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([a, b], axis), upstream)))(
            parts,
          );
        }, `axis ${axis}`);
      }
    });
  });

  it('matches tfjs-cpu for uneven, inferred and many-way splits, short and long rows, int32 and bool', async () => {
    await expectNoLeaks(async () => {
      await expectWasmMatchesCpu(
        () => tf.split(seededTensor([4, 300, 3], 104), [100, -1, 50], 1),
        'long rows',
      );
      await expectWasmMatchesCpu(() => tf.split(seededTensor([6, 10], 105), 5, 1), 'short rows');
      await expectWasmMatchesCpu(() => tf.split(seededTensor([6, 10], 106), [1, 2, 3], 0), 'axis 0');
      await expectWasmMatchesCpu(
        () => tf.split(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [2, 1], 1),
        'int32',
      );
      await expectWasmMatchesCpu(() => tf.split(tf.tensor1d([true, false, true, true], 'bool'), 2), 'bool');
    });
  });

  it('splits string tensors with the stock kernel', async () => {
    await tf.setBackend('wasm');
    await expectNoLeaks(async () => {
      const parts = tf.tidy(() => {
        const x = tf.tensor1d(['a', 'b', 'c']);
        const outputs = tf
          .engine()
          .runKernel('SplitV', { x }, { numOrSizeSplits: [1, 2], axis: 0 }) as tf.Tensor[];
        return outputs.map((part) => part.dataSync() as unknown as string[]);
      });
      expect(parts).toEqual([['a'], ['b', 'c']]);
    });
  });
});
