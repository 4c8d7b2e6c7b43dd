import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { linspace, randn, tensorOf } from '../__fixtures__/reference';
import { wordEmbeddingBackward, wordEmbeddingForward } from './word-embedding';

describeOnBackends('wordEmbeddingForward / wordEmbeddingBackward', () => {
  it('reproduces the CS231n notebook out (W = linspace(0, 1))', async () => {
    await expectNoLeak(async () => {
      const [V, D] = [5, 3];
      const x = tf.tensor2d(
        [
          [0, 3, 1, 2],
          [2, 1, 0, 3],
        ],
        [2, 4],
        'int32',
      );
      const W = tensorOf<tf.Rank.R2>(linspace(0, 1, V * D), [V, D]);
      const { out, cache } = wordEmbeddingForward(x, W);
      // RNN_Captioning.ipynb, "Word embedding: forward".
      await expectTensorsClose(out, [
        [
          [0, 0.07142857, 0.14285714],
          [0.64285714, 0.71428571, 0.78571429],
          [0.21428571, 0.28571429, 0.35714286],
          [0.42857143, 0.5, 0.57142857],
        ],
        [
          [0.42857143, 0.5, 0.57142857],
          [0.21428571, 0.28571429, 0.35714286],
          [0, 0.07142857, 0.14285714],
          [0.64285714, 0.71428571, 0.78571429],
        ],
      ]);
      tf.dispose([x, W, out, cache]);
    });
  });

  it('backward sums the upstream rows of repeated words (np.add.at) and matches autodiff', async () => {
    await expectNoLeak(async () => {
      const [N, T, V, D] = [2, 3, 5, 4];
      const ids = [4, 0, 4, 1, 4, 0];
      const x = tf.tensor2d(ids, [N, T], 'int32');
      const W = tensorOf<tf.Rank.R2>(randn(V * D, 71), [V, D]);
      const doutValues = randn(N * T * D, 72);
      const dout = tensorOf<tf.Rank.R3>(doutValues, [N, T, D]);
      const { out, cache } = wordEmbeddingForward(x, W);
      const dW = wordEmbeddingBackward(dout, cache);
      const expected = new Float64Array(V * D);
      ids.forEach((id, position) => {
        for (let j = 0; j < D; j++)
          expected[id * D + j] = (expected[id * D + j] as number) + (doutValues[position * D + j] as number);
      });
      await expectTensorsClose(dW, expected);
      const autodiff = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.gather(w, x), dout)))(W);
      await expectTensorsClose(dW, autodiff);
      tf.dispose([x, W, dout, out, cache, dW, autodiff]);
    });
  });

  it('rejects float ids and a mismatched upstream gradient', async () => {
    await expectNoLeak(() => {
      const floats = tf.zeros([2, 3]) as tf.Tensor2D;
      const ids = tf.zeros([2, 3], 'int32') as tf.Tensor2D;
      const W = tf.zeros([4, 2]) as tf.Tensor2D;
      expect(() => wordEmbeddingForward(floats, W)).toThrow(InvalidArgumentError);
      const { out, cache } = wordEmbeddingForward(ids, W);
      const wrong = tf.zeros([2, 4, 2]) as tf.Tensor3D;
      expect(() => wordEmbeddingBackward(wrong, cache)).toThrow(/Invalid dout/);
      tf.dispose([floats, ids, W, out, cache, wrong]);
    });
  });
});
