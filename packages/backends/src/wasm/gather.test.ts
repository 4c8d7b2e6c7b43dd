import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../select-backend';
import { expectNoLeak } from '../testing/index';

describe('wasm GatherV2', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { readEnvironment: false });
  });

  it('copies whole rows along axis 0 for float32, int32 and bool, with any index shape', async () => {
    await expectNoLeak(async () => {
      const [rows, repeated, ints, bools, empty] = tf.tidy(() => {
        const x = tf.tensor3d(
          Array.from({ length: 24 }, (_, i) => i + 0.5),
          [4, 3, 2],
        );
        return [
          tf.gather(x, [3, 0, 3]),
          tf.gather(x, tf.tensor2d([1, 1, 2, 0], [2, 2], 'int32')),
          tf.gather(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), [2, 1]),
          tf.gather(tf.tensor1d([1, 0, 1], 'bool'), [1, 2, 0]),
          tf.gather(x, tf.tensor1d([], 'int32')),
        ];
      }) as tf.Tensor[];
      const row = (r: number) => Array.from({ length: 6 }, (_, i) => r * 6 + i + 0.5);
      expect(rows?.shape).toEqual([3, 3, 2]);
      expect(Array.from(await (rows as tf.Tensor).data())).toEqual([...row(3), ...row(0), ...row(3)]);
      expect(repeated?.shape).toEqual([2, 2, 3, 2]);
      expect(Array.from(await (repeated as tf.Tensor).data())).toEqual([
        ...row(1),
        ...row(1),
        ...row(2),
        ...row(0),
      ]);
      expect(ints?.dtype).toBe('int32');
      expect(Array.from(await (ints as tf.Tensor).data())).toEqual([5, 6, 3, 4]);
      expect(bools?.dtype).toBe('bool');
      expect(Array.from(await (bools as tf.Tensor).data())).toEqual([0, 1, 1]);
      expect(empty?.shape).toEqual([0, 3, 2]);
      tf.dispose([rows, repeated, ints, bools, empty] as tf.Tensor[]);
    });
  });

  it('leaves other axes to the stock kernel and names an index out of range', async () => {
    await expectNoLeak(async () => {
      const columns = tf.tidy(() => tf.gather(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), [2, 0], 1));
      expect(Array.from(await columns.data())).toEqual([3, 1, 6, 4]);
      columns.dispose();
      expect(() => tf.tidy(() => tf.gather(tf.tensor2d([1, 2, 3, 4], [2, 2]), [0, 2]))).toThrow(
        /index value 2 is not in \[0, 1\]/,
      );
    });
  });
});
