import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { createOptimizer } from './optimizers';

describeOnBackends('optimizers', () => {
  it('Adam follows Kingma and Ba with bias correction, ascending', async () => {
    await expectNoLeak(async () => {
      const optimizer = createOptimizer({
        name: 'adam',
        learningRate: 0.1,
        beta1: 0.8,
        beta2: 0.9,
        epsilon: 1e-3,
      });
      let x = tf.tensor2d([1, -2, 0.5, 3], [2, 2]);
      const gradients = [
        [0.5, -1, 2, 0],
        [1, 1, -0.5, 0.25],
      ];
      const expected = [1, -2, 0.5, 3];
      const m = [0, 0, 0, 0];
      const v = [0, 0, 0, 0];
      for (const [t, g] of gradients.entries()) {
        for (let i = 0; i < 4; i++) {
          m[i] = 0.8 * (m[i] as number) + 0.2 * (g[i] as number);
          v[i] = 0.9 * (v[i] as number) + 0.1 * (g[i] as number) ** 2;
          const mHat = (m[i] as number) / (1 - 0.8 ** (t + 1));
          const vHat = (v[i] as number) / (1 - 0.9 ** (t + 1));
          expected[i] = (expected[i] as number) + (0.1 * mHat) / (Math.sqrt(vHat) + 1e-3);
        }
        const gradient = tf.tensor2d(g, [2, 2]);
        const next = optimizer.update(x, gradient);
        tf.dispose([x, gradient]);
        x = next as tf.Tensor2D;
      }
      await expectTensorsClose(x, expected);
      x.dispose();
      optimizer.dispose();
    });
  });

  it("normalised SGD steps learningRate along g/‖g‖ per image (CS231n's update)", async () => {
    await expectNoLeak(async () => {
      const optimizer = createOptimizer({ name: 'normalized-sgd', learningRate: 2 });
      const x = tf.zeros([2, 2]);
      const gradient = tf.tensor2d([3, 4, 0, 0], [2, 2]);
      const next = optimizer.update(x, gradient);
      // Image 0 moves 2 · (3, 4)/5; image 1 has a zero gradient and stays.
      await expectTensorsClose(next, [1.2, 1.6, 0, 0]);
      tf.dispose([x, gradient, next]);
      optimizer.dispose();
    });
  });

  it('rejects unknown optimisers and bad hyperparameters', () => {
    expect(() => createOptimizer('rmsprop' as never)).toThrow(/options\.optimizer/);
    expect(() => createOptimizer({ name: 'adam', beta1: 1 })).toThrow(/beta1/);
    expect(() => createOptimizer({ name: 'normalized-sgd', learningRate: -1 })).toThrow(/learningRate/);
  });
});
