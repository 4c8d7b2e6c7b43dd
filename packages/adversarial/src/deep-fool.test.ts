import { fromFunction } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
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
  weightColumn,
} from './__fixtures__/linear-model';
import { heldOutDigits } from './__fixtures__/mnist-digits';
import { deepFool } from './deep-fool';

const argmax = (values: readonly number[]) => values.indexOf(Math.max(...values));

describeOnBackends('deepFool', () => {
  let linear: ReturnType<typeof createLinearModel>;
  beforeAll(() => {
    linear = createLinearModel();
  });
  afterAll(() => linear.dispose());

  it('reaches the analytic decision boundary of a linear classifier in one step', async () => {
    const values = linearValues(2);
    const images = tf.tensor4d(values, [2, ...LINEAR_SHAPE]);
    await expectNoLeak(async () => {
      const expected: number[] = [];
      const boundary: { label: number; nearest: number }[] = [];
      for (let n = 0; n < 2; n++) {
        const x = values.slice(n * LINEAR_PIXELS, (n + 1) * LINEAR_PIXELS);
        const z = linearLogits(x);
        const label = argmax(z);
        // The nearest hyperplane z_k = z_label: distance |z_k − z_label| / ‖W_k − W_label‖.
        let best = { distance: Number.POSITIVE_INFINITY, k: -1, w: [] as number[] };
        for (let k = 0; k < z.length; k++) {
          if (k === label) continue;
          const w = weightColumn(k).map((value, p) => value - (weightColumn(label)[p] as number));
          const distance = Math.abs((z[k] as number) - (z[label] as number)) / Math.hypot(...w);
          if (distance < best.distance) best = { distance, k, w };
        }
        const norm = Math.hypot(...best.w);
        const step = x.map((value, p) => value + ((best.distance + 1e-4) * (best.w[p] as number)) / norm);
        expect(Math.min(...step)).toBeGreaterThan(0);
        expect(Math.max(...step)).toBeLessThan(1);
        expected.push(...step);
        boundary.push({ label, nearest: best.k });
      }
      const adversarial = await deepFool(linear.classifier, images, { maxIterations: 1, overshoot: 0 });
      await expectTensorsClose(adversarial, expected);
      // On the boundary: the two logits agree up to the 1e-4 push and float32 rounding.
      const data = Array.from(await adversarial.data());
      for (let n = 0; n < 2; n++) {
        const z = linearLogits(data.slice(n * LINEAR_PIXELS, (n + 1) * LINEAR_PIXELS));
        const { label, nearest } = boundary[n] as { label: number; nearest: number };
        expect(Math.abs((z[nearest] as number) - (z[label] as number))).toBeLessThan(2e-3);
      }
      adversarial.dispose();
      // With the default overshoot the prediction changes.
      const crossed = await deepFool(linear.classifier, images);
      const logits = linear.classifier.logits(crossed);
      const predicted = tf.argMax(logits, 1);
      const classes = Array.from(await predicted.data());
      expect(classes).toEqual(boundary.map(({ nearest }) => nearest));
      tf.dispose([crossed, logits, predicted]);
      await expectInvalidArgument(
        deepFool(linear.classifier, images, { overshoot: -1 }),
        'options.overshoot',
      );
      await expectInvalidArgument(deepFool(linear.classifier, images, { labels: [0] }), 'options.labels');
    });
    images.dispose();
  });
});

describeOnBackends('deepFool with one candidate class', () => {
  it('steps to the boundary of the top other class only, and works on two-class models', async () => {
    const linear = createLinearModel();
    const values = linearValues(2);
    const images = tf.tensor4d(values, [2, ...LINEAR_SHAPE]);
    await expectNoLeak(async () => {
      const expected: number[] = [];
      for (let n = 0; n < 2; n++) {
        const x = values.slice(n * LINEAR_PIXELS, (n + 1) * LINEAR_PIXELS);
        const z = linearLogits(x);
        const label = argmax(z);
        // The one candidate is the highest other logit, nearest or not.
        const k = argmax(z.map((value, c) => (c === label ? Number.NEGATIVE_INFINITY : value)));
        const w = weightColumn(k).map((value, p) => value - (weightColumn(label)[p] as number));
        const norm = Math.hypot(...w);
        const distance = Math.abs((z[k] as number) - (z[label] as number)) / norm;
        expected.push(...x.map((value, p) => value + ((distance + 1e-4) * (w[p] as number)) / norm));
      }
      const adversarial = await deepFool(linear.classifier, images, {
        maxIterations: 1,
        overshoot: 0,
        numCandidates: 1,
      });
      await expectTensorsClose(adversarial, expected);
      adversarial.dispose();
      // A two-class model has one candidate whatever is asked (tf.oneHot refused depth 1 before).
      const twoClass = fromFunction(
        (x) => tf.slice(linear.classifier.logits(x), [0, 0], [-1, 2]) as tf.Tensor2D,
        {
          inputShape: LINEAR_SHAPE,
          numClasses: 2,
        },
      );
      const flipped = await deepFool(twoClass, images);
      const predicted = tf.tidy(() => tf.argMax(twoClass.logits(flipped), 1));
      const clean = tf.tidy(() => tf.argMax(twoClass.logits(images), 1));
      const [after, before] = [Array.from(await predicted.data()), Array.from(await clean.data())];
      expect(after.map((value, i) => value !== before[i])).toEqual([true, true]);
      tf.dispose([flipped, predicted, clean]);
      await expectInvalidArgument(
        deepFool(linear.classifier, images, { numCandidates: 0 }),
        'options.numCandidates',
      );
    });
    images.dispose();
    linear.dispose();
  });
});

const HEAVY = 'MNIST DeepFool runs 9 backward passes per iteration: about 7 s on the cpu backend here';
describeOnBackends(
  'deepFool on the trained MNIST classifier',
  () => {
    it('fools every digit with a small L2 perturbation', async () => {
      const model = mnistClassifier();
      const { pixels, labels } = heldOutDigits(1);
      const digits = tf.tensor4d(pixels, [10, 28, 28, 1]);
      await expectNoLeak(async () => {
        const adversarial = await deepFool(model, digits, { labels });
        const stats = tf.tidy(() =>
          tf.concat([
            tf.cast(tf.argMax(model.logits(adversarial), 1), 'float32'),
            tf.sqrt(tf.sum(tf.square(tf.sub(adversarial, digits)), [1, 2, 3])),
          ]),
        );
        const values = Array.from(await stats.data());
        const predicted = values.slice(0, 10);
        const norms = values.slice(10);
        expect(predicted.every((p, i) => p !== labels[i])).toBe(true);
        // A 28×28 digit has L2 norm about 9; DeepFool needs a small fraction of it.
        expect(Math.max(...norms)).toBeLessThan(4);
        tf.dispose([adversarial, stats]);
      });
      digits.dispose();
      model.dispose();
    });
  },
  { exclude: { cpu: HEAVY, 'node-webgpu': HEAVY } },
);
