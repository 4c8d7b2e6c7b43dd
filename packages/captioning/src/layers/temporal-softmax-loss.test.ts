import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { dot, numericGradient64, randn, softmaxLossReference } from '../__fixtures__/reference';
import { temporalSoftmaxLoss } from './temporal-softmax-loss';

describeOnBackends('temporalSoftmaxLoss', () => {
  it('is about T·log V for near-uniform scores, as in the CS231n sanity check', async () => {
    await expectNoLeak(async () => {
      // CS231n: N=100, T=1 → ≈2.3; T=10 → ≈23 (scores 0.001·randn, V=10); all-true masks.
      for (const [N, T, V] of [
        [100, 1, 10],
        [100, 10, 10],
      ] as const) {
        const x = tf.tidy(() =>
          tf.mul(0.001, tf.tensor3d(Float32Array.from(randn(N * T * V, 91)), [N, T, V])),
        ) as tf.Tensor3D;
        const y = tf.tensor2d(
          Array.from({ length: N * T }, (_, i) => (i * 7) % V),
          [N, T],
          'int32',
        );
        const mask = tf.ones([N, T], 'bool') as tf.Tensor2D;
        const { loss, dx } = temporalSoftmaxLoss(x, y, mask);
        expect(Math.abs(((await loss.data())[0] as number) - T * Math.log(V))).toBeLessThan(0.01 * T);
        tf.dispose([x, y, mask, loss, dx]);
      }
    });
  });

  it('equals the float64 masked loss; dx equals its numeric gradient', async () => {
    await expectNoLeak(async () => {
      const [N, T, V] = [3, 4, 6];
      const scores = randn(N * T * V, 92);
      const ids = Array.from({ length: N * T }, (_, i) => (i * 5 + 1) % V);
      const maskValues = Array.from({ length: N * T }, (_, i) => (i % 3 === 2 ? 0 : 1));
      const x = tf.tensor3d(Float32Array.from(scores), [N, T, V]);
      const y = tf.tensor2d(ids, [N, T], 'int32');
      const mask = tf.tensor2d(maskValues, [N, T], 'bool');
      const { loss, dx } = temporalSoftmaxLoss(x, y, mask);
      const reference = () => softmaxLossReference(scores, ids, maskValues, N, T, V);
      await expectTensorsClose(loss, reference());
      await expectTensorsClose(dx, numericGradient64(reference, scores));
      // Masked positions get no gradient at all.
      const dxValues = await dx.data();
      expect(dot(dxValues.slice(2 * V, 3 * V), new Array(V).fill(1))).toBe(0);
      expect(Array.from(dxValues.slice(2 * V, 3 * V)).every((value) => value === 0)).toBe(true);
      tf.dispose([x, y, mask, loss, dx]);
    });
  });

  it('rejects float targets and mismatched masks', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([2, 3, 4]) as tf.Tensor3D;
      const floats = tf.zeros([2, 3]) as tf.Tensor2D;
      const y = tf.zeros([2, 3], 'int32') as tf.Tensor2D;
      const mask = tf.ones([3, 2], 'bool') as tf.Tensor2D;
      expect(() => temporalSoftmaxLoss(x, floats, floats)).toThrow(/Invalid y/);
      expect(() => temporalSoftmaxLoss(x, y, mask)).toThrow(/Invalid mask/);
      tf.dispose([x, floats, y, mask]);
    });
  });
});
