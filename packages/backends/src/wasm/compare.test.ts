import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../select-backend';
import { expectNoLeak } from '../testing/index';

const VALUES = [-2, -1e-9, 0, 1e-9, 0.5, 1, Number.NaN, 3, -0];
type Op = (a: tf.Tensor, b: tf.Tensor | number) => tf.Tensor;
const OPS: [string, Op, (a: number, b: number) => boolean][] = [
  ['equal', tf.equal, (a, b) => a === b],
  ['notEqual', tf.notEqual, (a, b) => a !== b],
  ['greater', tf.greater, (a, b) => a > b],
  ['greaterEqual', tf.greaterEqual, (a, b) => a >= b],
  ['less', tf.less, (a, b) => a < b],
  ['lessEqual', tf.lessEqual, (a, b) => a <= b],
];

describe('wasm comparisons with a single value', () => {
  beforeAll(async () => {
    await selectBackend('wasm', { readEnvironment: false });
  });

  it('match the IEEE comparison for tensor-vs-value, value-vs-tensor and higher-rank values', async () => {
    await expectNoLeak(async () => {
      for (const [name, op, compare] of OPS) {
        for (const value of [0, 1e-9, Number.NaN]) {
          const [right, left, ranked] = tf.tidy(() => {
            const x = tf.tensor3d(VALUES, [1, 3, 3]);
            return [op(x, value), op(tf.scalar(value), x), op(x, tf.tensor4d([value], [1, 1, 1, 1]))];
          }) as [tf.Tensor, tf.Tensor, tf.Tensor];
          expect(right.dtype).toBe('bool');
          expect(right.shape).toEqual([1, 3, 3]);
          expect(ranked.shape).toEqual([1, 1, 3, 3]);
          const expectedRight = VALUES.map((v) => (compare(v, value) ? 1 : 0));
          const expectedLeft = VALUES.map((v) => (compare(value, v) ? 1 : 0));
          expect(Array.from(await right.data()), `${name}(x, ${value})`).toEqual(expectedRight);
          expect(Array.from(await left.data()), `${name}(${value}, x)`).toEqual(expectedLeft);
          expect(Array.from(await ranked.data()), `${name}(x, [[[[${value}]]]])`).toEqual(expectedRight);
          tf.dispose([right, left, ranked]);
        }
      }
    });
  });

  it('leaves int32 values, same shapes and real broadcasts right', async () => {
    await expectNoLeak(async () => {
      const [ints, same, broadcast] = tf.tidy(() => {
        const x = tf.tensor1d([3, -1, 0, 7], 'int32');
        const a = tf.tensor2d([1, 2, 3, 4], [2, 2]);
        return [
          tf.greater(x, tf.scalar(0, 'int32')),
          tf.equal(a, tf.tensor2d([1, 0, 3, 0], [2, 2])),
          tf.less(a, tf.tensor1d([2, 3])),
        ];
      }) as [tf.Tensor, tf.Tensor, tf.Tensor];
      expect(Array.from(await ints.data())).toEqual([1, 0, 0, 1]);
      expect(Array.from(await same.data())).toEqual([1, 0, 1, 0]);
      expect(Array.from(await broadcast.data())).toEqual([1, 1, 0, 0]);
      tf.dispose([ints, same, broadcast]);
    });
  });
});
