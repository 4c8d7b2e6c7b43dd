import { NetlensError } from '@netlens/backends';
import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectInvalidArgument } from './__fixtures__/expectations';
import { heldOutDigits } from './__fixtures__/mnist-digits';
import { evaluateAttack } from './evaluate-attack';
import { fgsm } from './fgsm';
import { pgd } from './pgd';

/** Largest per-example perturbation norm, and the smallest and largest pixel. */
async function ballStats(adversarial: tf.Tensor4D, images: tf.Tensor4D, norm: 'linf' | 'l2') {
  const stats = tf.tidy(() => {
    const delta = tf.sub(adversarial, images);
    const size =
      norm === 'linf' ? tf.max(tf.abs(delta)) : tf.max(tf.sqrt(tf.sum(tf.square(delta), [1, 2, 3])));
    return tf.stack([size, tf.min(adversarial), tf.max(adversarial)]);
  });
  const [size, low, high] = Array.from(await stats.data()) as [number, number, number];
  stats.dispose();
  return { size, low, high };
}

describeOnBackends('pgd', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(4);
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });

  it('always returns images in the ε-ball and in [0, 1] (L∞ and L2, targeted and untargeted)', async () => {
    await expectNoLeak(async () => {
      for (const norm of ['linf', 'l2'] as const) {
        for (const target of ['untargeted', 'leastLikely', 2] as const) {
          const epsilon = norm === 'linf' ? 0.05 : 0.4;
          // A step larger than ε makes every step hit the projection.
          const adversarial = await pgd(tiny.classifier, images, {
            norm,
            epsilon,
            stepSize: 2 * epsilon,
            numSteps: 3,
            target,
          });
          const { size, low, high } = await ballStats(adversarial, images, norm);
          expect(size).toBeLessThanOrEqual(epsilon * (1 + 1e-5) + 1e-6);
          expect(size).toBeGreaterThan(epsilon * 0.5);
          expect(low).toBeGreaterThanOrEqual(0);
          expect(high).toBeLessThanOrEqual(1);
          adversarial.dispose();
        }
      }
    });
  });

  it('repeats per seed; without a random start one step equals FGSM with ε = step size', async () => {
    await expectNoLeak(async () => {
      const a = await pgd(tiny.classifier, images, { numSteps: 2, seed: 5 });
      const b = await pgd(tiny.classifier, images, { numSteps: 2, seed: 5 });
      await expectTensorsClose(a, b, { rtol: 0, atol: 0 });
      const step = await pgd(tiny.classifier, images, {
        randomStart: false,
        numSteps: 1,
        epsilon: 0.1,
        stepSize: 0.03,
      });
      const single = await fgsm(tiny.classifier, images, { epsilon: 0.03 });
      await expectTensorsClose(step, single);
      tf.dispose([a, b, step, single]);
    });
  });

  it('calls onStep once per step and stops with ABORTED when the signal fires, leaving no tensors', async () => {
    await expectNoLeak(async () => {
      const steps: number[] = [];
      const done = await pgd(tiny.classifier, images, {
        numSteps: 3,
        onStep: ({ step }) => void steps.push(step),
      });
      expect(steps).toEqual([1, 2, 3]);
      done.dispose();
      const controller = new AbortController();
      const error = await pgd(tiny.classifier, images, {
        numSteps: 5,
        signal: controller.signal,
        onStep: ({ step }) => {
          if (step === 2) controller.abort();
        },
      }).catch((reason: unknown) => reason);
      expect(error).toBeInstanceOf(NetlensError);
      expect((error as NetlensError).code).toBe('ABORTED');
    });
  });

  it('rejects bad options with typed errors', async () => {
    await expectNoLeak(async () => {
      await expectInvalidArgument(pgd(tiny.classifier, images, { epsilon: -1 }), 'options.epsilon');
      await expectInvalidArgument(pgd(tiny.classifier, images, { numSteps: 1.5 }), 'options.numSteps');
      await expectInvalidArgument(pgd(tiny.classifier, images, { norm: 'l1' as 'l2' }), 'options.norm');
      await expectInvalidArgument(pgd(tiny.classifier, images, { labels: [0, 1] }), 'options.labels');
    });
  });
});

// 100 held-out digits × 10 steps: about 1 s on wasm, but about 30 s on the cpu backend and longer on
// node-webgpu (SwiftShader) on this 2-core machine; the ball and step properties above run everywhere.
const HEAVY = 'the 100-digit MNIST attack takes 15× longer than on wasm on this 2-core CI machine';
describeOnBackends(
  'pgd on the trained MNIST classifier',
  () => {
    it('L∞ ε = 0.3 drives robust accuracy below 5% on 100 held-out digits', async () => {
      const model = mnistClassifier();
      const { pixels, labels } = heldOutDigits(10);
      const digits = tf.tensor4d(pixels, [labels.length, 28, 28, 1]);
      await expectNoLeak(async () => {
        const { cleanAccuracy, results } = await evaluateAttack(
          model,
          (m, x, options) => pgd(m, x, { ...options, numSteps: 10, stepSize: 0.03 }),
          digits,
          labels,
          { epsilons: [0.3] },
        );
        const [result] = results;
        console.log(
          `PGD-L∞ ε=0.3, 10 steps: clean accuracy ${cleanAccuracy}, robust accuracy ${result?.robustAccuracy}`,
        );
        expect(cleanAccuracy).toBeGreaterThan(0.95);
        expect(result?.robustAccuracy).toBeLessThan(0.05);
        expect(result?.linf.median).toBeLessThanOrEqual(0.3 + 1e-6);
      });
      digits.dispose();
      model.dispose();
    });
  },
  { exclude: { cpu: HEAVY, 'node-webgpu': HEAVY } },
);
