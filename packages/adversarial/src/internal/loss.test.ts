import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { crossEntropy } from './loss';

describeOnBackends('crossEntropy', () => {
  it('has the exact gradient p − onehot(y), including for a confident label where p_y rounds to 1', async () => {
    // Row 1 is moderate; in row 2, p_y = 1 − 2e-13 is 1 in float32, so p_y − 1 would be 0.
    const rows = [
      [1, 2, 0.5],
      [30, 0, 1],
    ];
    const labels = [2, 0];
    const logits = tf.tensor2d(rows);
    await expectNoLeak(async () => {
      const [value, gradient] = tf.tidy(() => {
        const loss = crossEntropy(logits as tf.Tensor2D, labels);
        return [loss, tf.grad((z: tf.Tensor) => tf.sum(crossEntropy(z as tf.Tensor2D, labels)))(logits)];
      }) as [tf.Tensor, tf.Tensor];
      const expected = rows.map((row, n) => {
        const top = Math.max(...row);
        const exps = row.map((z) => Math.exp(z - top));
        const total = exps.reduce((a, b) => a + b, 0);
        return row.map((_, k) => (exps[k] as number) / total - (k === labels[n] ? 1 : 0));
      });
      const losses = rows.map((row, n) => {
        const top = Math.max(...row);
        return (
          top +
          Math.log(row.reduce((sum, z) => sum + Math.exp(z - top), 0)) -
          (row[labels[n] as number] as number)
        );
      });
      await expectTensorsClose(value, losses);
      await expectTensorsClose(gradient, expected);
      // The label's entry of the confident row is −(p_1 + p_2) ≈ −9.4e-13, not 0.
      const confident = (await gradient.array()) as number[][];
      expect(confident[1]?.[0]).toBeLessThan(0);
      expect(
        Math.abs(
          ((confident[1]?.[0] as number) - (expected[1]?.[0] as number)) / (expected[1]?.[0] as number),
        ),
      ).toBeLessThan(1e-3);
      tf.dispose([value, gradient]);
    });
    logits.dispose();
  });
});
