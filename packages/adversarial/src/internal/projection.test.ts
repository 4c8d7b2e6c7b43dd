import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { projectToBall, randomStart } from './projection';

describeOnBackends('projectToBall', () => {
  it('L2: scales a perturbation outside the ball exactly onto its surface and keeps one inside', async () => {
    // Original 0.5 everywhere; perturbations small enough per value that clipping to [0, 1] is inactive.
    const original = tf.fill([2, 2, 2, 1], 0.5) as tf.Tensor4D;
    const delta = [0.3, -0.4, 0.0, 0.0, 0.01, 0.02, -0.02, 0.0]; // ‖δ₁‖ = 0.5, ‖δ₂‖ = 0.03
    const perturbed = tf.add(original, tf.tensor4d(delta, [2, 2, 2, 1])) as tf.Tensor4D;
    await expectNoLeak(async () => {
      const projected = projectToBall(perturbed, original, 0.1, 'l2');
      // δ₁ · 0.1 / 0.5 (Euclidean projection onto the ball), δ₂ unchanged.
      const expected = [0.06, -0.08, 0, 0, 0.01, 0.02, -0.02, 0].map((d) => 0.5 + d);
      await expectTensorsClose(projected, expected);
      const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(projected, original)), [1, 2, 3])));
      await expectTensorsClose(norms, [0.1, 0.03]);
      tf.dispose([projected, norms]);
    });
    tf.dispose([original, perturbed]);
  });

  it('L∞: clips each value to [−ε, ε] around the original, then to [0, 1]', async () => {
    const original = tf.tensor4d([0.05, 0.5, 0.95, 0.5], [1, 2, 2, 1]);
    const perturbed = tf.tensor4d([-0.2, 0.55, 1.3, 0.2], [1, 2, 2, 1]);
    await expectNoLeak(async () => {
      const projected = projectToBall(perturbed, original, 0.1, 'linf');
      await expectTensorsClose(projected, [0, 0.55, 1, 0.4]);
      projected.dispose();
    });
    tf.dispose([original, perturbed]);
  });

  it('random starts lie in the ball and in [0, 1], and repeat per seed', async () => {
    const original = tf.tensor4d(
      Array.from({ length: 2 * 4 * 4 * 3 }, (_, i) => (i % 7) / 6),
      [2, 4, 4, 3],
    );
    await expectNoLeak(async () => {
      for (const norm of ['linf', 'l2'] as const) {
        const epsilon = norm === 'linf' ? 0.1 : 0.5;
        const a = randomStart(original, epsilon, norm, 3);
        const b = randomStart(original, epsilon, norm, 3);
        const c = randomStart(original, epsilon, norm, 4);
        await expectTensorsClose(a, b, { rtol: 0, atol: 0 });
        const stats = tf.tidy(() => {
          const d = tf.sub(a, original);
          const size = norm === 'linf' ? tf.max(tf.abs(d)) : tf.max(tf.sqrt(tf.sum(tf.square(d), [1, 2, 3])));
          return tf.stack([size, tf.min(a), tf.max(a), tf.max(tf.abs(tf.sub(a, c)))]);
        });
        const [size, low, high, differs] = Array.from(await stats.data()) as [number, number, number, number];
        expect(size).toBeLessThanOrEqual(epsilon * (1 + 1e-6));
        expect(size).toBeGreaterThan(0);
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeLessThanOrEqual(1);
        expect(differs).toBeGreaterThan(0);
        tf.dispose([a, b, c, stats]);
      }
    });
    original.dispose();
  });

  // The sign steps of FGSM, BIM, PGD-L∞ and MI-FGSM rely on it: loss gradients of a confident model
  // are this small (stock tfjs-backend-wasm returned 0; @netlens/backends' wasm kernel fixes it).
  it('tf.sign keeps the sign of tiny gradient values on this backend', async () => {
    const values = tf.tensor4d([1e-12, -3e-15, 0, 2, -1e-30, 5e-9], [1, 1, 2, 3]);
    await expectNoLeak(async () => {
      const signs = tf.sign(values);
      await expectTensorsClose(signs, [1, -1, 0, 1, -1, 1], { rtol: 0, atol: 0 });
      signs.dispose();
    });
    values.dispose();
  });
});
