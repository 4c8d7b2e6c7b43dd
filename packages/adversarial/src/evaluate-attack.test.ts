import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectInvalidArgument } from './__fixtures__/expectations';
import {
  createLinearModel,
  LINEAR_PIXELS,
  LINEAR_SHAPE,
  linearLogits,
  linearValues,
} from './__fixtures__/linear-model';
import { heldOutDigits } from './__fixtures__/mnist-digits';
import { type AttackFunction, evaluateAttack } from './evaluate-attack';
import { fgsm } from './fgsm';

const argmax = (values: readonly number[]) => values.indexOf(Math.max(...values));

describeOnBackends('evaluateAttack', () => {
  let linear: ReturnType<typeof createLinearModel>;
  let images: tf.Tensor4D;
  const values = linearValues(3);
  beforeAll(() => {
    linear = createLinearModel();
    images = tf.tensor4d(values, [3, ...LINEAR_SHAPE]);
  });
  afterAll(() => {
    linear.dispose();
    images.dispose();
  });

  it('reports success, robust accuracy and L0/L2/L∞ norms computed by hand', async () => {
    // A fixed "attack": adds ε·d with d = (1, −2, 0, …) on the first values of every image.
    const pattern = Array.from({ length: LINEAR_PIXELS }, (_, p) =>
      p === 0 ? 1 : p === 1 ? -2 : p === 5 ? 0.5 : 0,
    );
    const attack: AttackFunction = async (_model, x, { epsilon }) =>
      tf.tidy(
        () =>
          tf.add(
            x,
            tf.mul(epsilon, tf.tensor4d([...pattern, ...pattern, ...pattern], x.shape)),
          ) as tf.Tensor4D,
      );
    const clean = [0, 1, 2].map((n) =>
      argmax(linearLogits(values.slice(n * LINEAR_PIXELS, (n + 1) * LINEAR_PIXELS))),
    );
    // One label is wrong on purpose: that image counts as misclassified from the start.
    const labels = [clean[0] as number, clean[1] as number, ((clean[2] as number) + 1) % 3];
    const epsilons = [0, 0.1];
    await expectNoLeak(async () => {
      const { cleanAccuracy, results } = await evaluateAttack(linear.classifier, attack, images, labels, {
        epsilons,
        norm: 'l2',
      });
      expect(cleanAccuracy).toBeCloseTo(2 / 3, 6);
      for (const [e, epsilon] of epsilons.entries()) {
        const result = results[e];
        expect(result?.epsilon).toBe(epsilon);
        const l2 = epsilon * Math.hypot(1, 2, 0.5);
        // The L2 criterion: a perturbation of norm 0.229 does not count at ε = 0.1.
        const within = l2 <= epsilon + 1e-6;
        const predicted = [0, 1, 2].map((n) =>
          argmax(
            linearLogits(
              values
                .slice(n * LINEAR_PIXELS, (n + 1) * LINEAR_PIXELS)
                .map((x, p) => x + epsilon * (pattern[p] as number)),
            ),
          ),
        );
        const success = predicted.map((p, n) => p !== labels[n] && within);
        result?.examples.forEach((example, n) => {
          expect(example.predicted).toBe(predicted[n]);
          expect(example.label).toBe(labels[n]);
          expect(example.success).toBe(success[n]);
          expect(example.l0).toBe(epsilon === 0 ? 0 : 3);
          expect(example.l2).toBeCloseTo(l2, 5);
          expect(example.linf).toBeCloseTo(2 * epsilon, 5);
        });
        expect(result?.successRate).toBeCloseTo(success.filter(Boolean).length / 3, 6);
        const robust = success.filter((s, n) => !s && predicted[n] === labels[n] && clean[n] === labels[n]);
        expect(result?.robustAccuracy).toBeCloseTo(
          [0, 1, 2].filter((n) => clean[n] === labels[n] && !(predicted[n] !== labels[n] && within)).length /
            3,
          6,
        );
        expect(robust.length).toBeLessThanOrEqual(3);
      }
      // ε = 0: only the mislabelled image "succeeds"; its distances are all zero.
      expect(results[0]?.successRate).toBeCloseTo(1 / 3, 6);
      expect(results[0]?.l2).toEqual({ mean: 0, median: 0 });
      expect(results[0]?.robustAccuracy).toBeCloseTo(2 / 3, 6);
    });
  });

  it('rejects bad arguments with typed errors', async () => {
    await expectNoLeak(async () => {
      const model = linear.classifier;
      await expectInvalidArgument(evaluateAttack(model, fgsm, images, [0, 1], { epsilons: [0.1] }), 'labels');
      await expectInvalidArgument(
        evaluateAttack(model, fgsm, images, [0, 1, 2], { epsilons: [] }),
        'options.epsilons',
      );
      await expectInvalidArgument(
        evaluateAttack(model, fgsm, images, [0, 1, 2], { epsilons: [0.1, -0.1] }),
        'options.epsilons[1]',
      );
      await expectInvalidArgument(
        evaluateAttack(model, 'fgsm' as unknown as AttackFunction, images, [0, 1, 2], { epsilons: [0.1] }),
        'attack',
      );
    });
  });
});

// Seven FGSM runs on 50 digits: under 1 s on wasm, 12 s on the cpu backend and over 2 minutes on
// node-webgpu (SwiftShader) on this 2-core machine; the hand-computed evaluation above runs everywhere.
const HEAVY =
  'seven FGSM runs on 50 MNIST digits take 12 s (cpu) to over 120 s (SwiftShader) on this 2-core CI machine';
describeOnBackends(
  'evaluateAttack with FGSM on the trained MNIST classifier',
  () => {
    it('success grows with ε over the grid (monotone) on 50 held-out digits', async () => {
      const model = mnistClassifier();
      const { pixels, labels } = heldOutDigits(5);
      const digits = tf.tensor4d(pixels, [labels.length, 28, 28, 1]);
      await expectNoLeak(async () => {
        const epsilons = [0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3];
        const { cleanAccuracy, results } = await evaluateAttack(model, fgsm, digits, labels, { epsilons });
        const rates = results.map((result) => result.successRate);
        console.log(`FGSM success over ε ${epsilons.join(', ')}: ${rates.join(', ')}`);
        expect(cleanAccuracy).toBeGreaterThan(0.95);
        for (let i = 1; i < rates.length; i++)
          expect(rates[i]).toBeGreaterThanOrEqual(rates[i - 1] as number);
        expect(rates.at(-1)).toBeGreaterThan((rates[0] as number) + 0.5);
        for (const result of results) {
          expect(result.robustAccuracy).toBeLessThanOrEqual(cleanAccuracy);
          if (result.successRate > 0 && result.epsilon > 0)
            expect(result.linf.median).toBeCloseTo(result.epsilon, 5);
        }
      });
      digits.dispose();
      model.dispose();
    });
  },
  { exclude: { cpu: HEAVY, 'node-webgpu': HEAVY } },
);
