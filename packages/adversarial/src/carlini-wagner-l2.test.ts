import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { expectInvalidArgument } from './__fixtures__/expectations';
import { heldOutDigits } from './__fixtures__/mnist-digits';
import { carliniWagnerL2 } from './carlini-wagner-l2';
import { deepFool } from './deep-fool';
import { resolveAttackTargets } from './internal/targets';

describeOnBackends('carliniWagnerL2', () => {
  it('returns the clean image where it finds nothing, an adversarial one where it does', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(4);
    await expectNoLeak(async () => {
      // One step with a tiny c cannot cross a boundary: every image comes back unchanged.
      const unchanged = await carliniWagnerL2(tiny.classifier, images, {
        binarySearchSteps: 1,
        numSteps: 1,
        initialConst: 1e-6,
      });
      await expectTensorsClose(unchanged, images, { rtol: 0, atol: 0 });
      const adversarial = await carliniWagnerL2(tiny.classifier, images, {
        binarySearchSteps: 1,
        numSteps: 10,
        initialConst: 10,
        learningRate: 0.1,
        target: 'leastLikely',
      });
      const { targets } = await resolveAttackTargets(tiny.classifier, images, { target: 'leastLikely' });
      const logits = tiny.classifier.logits(adversarial);
      const predicted = tf.argMax(logits, 1);
      const bounds = tf.tidy(() => tf.stack([tf.min(adversarial), tf.max(adversarial)]));
      expect(Array.from(await predicted.data())).toEqual(targets);
      const [low, high] = Array.from(await bounds.data()) as [number, number];
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      tf.dispose([unchanged, adversarial, logits, predicted, bounds]);
      await expectInvalidArgument(
        carliniWagnerL2(tiny.classifier, images, { initialConst: 0 }),
        'options.initialConst',
      );
      await expectInvalidArgument(
        carliniWagnerL2(tiny.classifier, images, { binarySearchSteps: 0 }),
        'options.binarySearchSteps',
      );
    });
    images.dispose();
    tiny.dispose();
  });
});

const HEAVY =
  '500 Adam steps on 10 digits: about 4 s on wasm, 40 s on the cpu backend on this 2-core machine';
describeOnBackends(
  'carliniWagnerL2 on the trained MNIST classifier',
  () => {
    it('succeeds on every digit with its defaults, closer than DeepFool', async () => {
      const model = mnistClassifier();
      const { pixels, labels } = heldOutDigits(1);
      const digits = tf.tensor4d(pixels, [10, 28, 28, 1]);
      await expectNoLeak(async () => {
        const adversarial = await carliniWagnerL2(model, digits, { labels });
        const minimal = await deepFool(model, digits, { labels });
        const stats = tf.tidy(() =>
          tf.concat([
            tf.cast(tf.argMax(model.logits(adversarial), 1), 'float32'),
            tf.sqrt(tf.sum(tf.square(tf.sub(adversarial, digits)), [1, 2, 3])),
            tf.sqrt(tf.sum(tf.square(tf.sub(minimal, digits)), [1, 2, 3])),
          ]),
        );
        const values = Array.from(await stats.data());
        expect(values.slice(0, 10).every((p, i) => p !== labels[i])).toBe(true);
        const mean = (list: number[]) => list.reduce((a, b) => a + b, 0) / list.length;
        console.log(
          `C&W L2 mean distance ${mean(values.slice(10, 20)).toFixed(3)}, DeepFool ${mean(values.slice(20)).toFixed(3)}`,
        );
        expect(mean(values.slice(10, 20))).toBeLessThan(mean(values.slice(20)));
        tf.dispose([adversarial, minimal, stats]);
      });
      digits.dispose();
      model.dispose();
    });
  },
  { exclude: { cpu: HEAVY, 'node-webgpu': HEAVY } },
);
