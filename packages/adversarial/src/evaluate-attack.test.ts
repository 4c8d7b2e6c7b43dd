import { fromFunction, InvalidArgumentError, NetlensError } from '@netlens/backends';
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

describeOnBackends('evaluateAttack with attacks that misbehave', () => {
  let linear: ReturnType<typeof createLinearModel>;
  let images: tf.Tensor4D;
  const values = linearValues(3);
  const clean = [0, 1, 2].map((n) =>
    argmax(linearLogits(values.slice(n * LINEAR_PIXELS, (n + 1) * LINEAR_PIXELS))),
  );
  beforeAll(() => {
    linear = createLinearModel();
    images = tf.tensor4d(values, [3, ...LINEAR_SHAPE]);
  });
  afterAll(() => {
    linear.dispose();
    images.dispose();
  });

  it("an identity attack leaves the caller's images alive and fails everywhere with zero distances", async () => {
    const identity: AttackFunction = async (_model, x) => x;
    await expectNoLeak(async () => {
      const { cleanAccuracy, results } = await evaluateAttack(linear.classifier, identity, images, clean, {
        epsilons: [0, 0.1],
      });
      expect(cleanAccuracy).toBe(1);
      for (const result of results) {
        expect(result.successRate).toBe(0);
        expect(result.robustAccuracy).toBe(1);
        expect(result.examples.map((example) => [example.l0, example.l2, example.linf])).toEqual([
          [0, 0, 0],
          [0, 0, 0],
          [0, 0, 0],
        ]);
      }
    });
    expect(images.isDisposed).toBe(false);
    // Still readable: the evaluation disposed nothing of the caller's.
    expect(Array.from(await images.data())).toEqual(Array.from(Float32Array.from(values)));
  });

  it('names the attack when its output has the wrong batch size, shape, dtype or range, or is disposed', async () => {
    const returning =
      (make: (x: tf.Tensor4D) => tf.Tensor): AttackFunction =>
      async (_model, x) =>
        make(x) as tf.Tensor4D;
    const cases: [string, AttackFunction, RegExp][] = [
      ['batch', returning((x) => tf.slice(x, [0, 0, 0, 0], [2, -1, -1, -1])), /shape \[2,2,2,3\]/],
      ['rank', returning((x) => tf.reshape(x, [3, 12])), /shape \[3,12\]/],
      ['dtype', returning((x) => tf.cast(x, 'int32')), /dtype int32/],
      ['range', returning((x) => tf.add(x, 0.5)), /values in \[0\.8/],
      ['NaN', returning((x) => tf.mul(x, Number.NaN)), /NaN/],
      [
        'disposed',
        returning((x) => {
          const copy = tf.clone(x);
          copy.dispose();
          return copy;
        }),
        /disposed/,
      ],
      ['not a tensor', (async () => [1, 2, 3]) as unknown as AttackFunction, /type object/],
    ];
    for (const [label, attack, received] of cases) {
      await expectNoLeak(async () => {
        const error = await evaluateAttack(linear.classifier, attack, images, clean, {
          epsilons: [0.1],
        }).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error, label).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument, label).toBe('attack');
        expect((error as InvalidArgumentError).received, label).toMatch(received);
      });
    }
    expect(images.isDisposed).toBe(false);
  });

  it('reports each ε through onStep and stops at the next ε when the signal aborts', async () => {
    const controller = new AbortController();
    const seen: [number, number, number][] = [];
    const attack: AttackFunction = async (_model, x, { epsilon, signal }) => {
      expect(signal).toBe(controller.signal);
      return tf.tidy(() => tf.clipByValue(tf.add(x, epsilon), 0, 1) as tf.Tensor4D);
    };
    await expectNoLeak(async () => {
      const error = await evaluateAttack(linear.classifier, attack, images, clean, {
        epsilons: [0, 0.01, 0.02],
        signal: controller.signal,
        onStep: ({ step, numSteps, result }) => {
          seen.push([step, numSteps, result.epsilon]);
          if (step === 2) controller.abort();
        },
      }).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(NetlensError);
      expect((error as NetlensError).code).toBe('ABORTED');
    });
    expect(seen).toEqual([
      [1, 3, 0],
      [2, 3, 0.01],
    ]);
  });

  it('refuses a model whose logits are NaN, unless allowNonFinite', async () => {
    const nan = fromFunction((x) => tf.mul(linear.classifier.logits(x), Number.NaN) as tf.Tensor2D, {
      inputShape: LINEAR_SHAPE,
      numClasses: 3,
    });
    await expectNoLeak(async () => {
      await expectInvalidArgument(evaluateAttack(nan, fgsm, images, clean, { epsilons: [0.1] }), 'model');
      // Allowed, the evaluation runs to the end (what it reports is then the caller's to judge).
      const { results } = await evaluateAttack(nan, fgsm, images, clean, {
        epsilons: [0.1],
        allowNonFinite: true,
      });
      expect(results).toHaveLength(1);
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
