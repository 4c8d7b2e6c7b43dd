import { fromFunction, InvalidArgumentError, seededValues } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleDigits } from './__fixtures__/mnist-digits';
import { deletionInsertion } from './deletion-insertion';
import { vanillaGradient } from './vanilla-gradient';

const [H, W] = [8, 8];

/** Two classes with logits `[w·x, 0]`: class 0's probability is `sigmoid(w·x)`, monotone in the logit. */
function logisticModel() {
  const values = seededValues(H * W, 11, -0.3, 0.3);
  const weights = tf.tensor2d(values, [H * W, 1]);
  const classifier = fromFunction(
    (x) =>
      tf.tidy(() => {
        const logit = tf.matMul(tf.reshape(x, [x.shape[0], H * W]), weights);
        return tf.concat([logit, tf.zerosLike(logit)], 1) as tf.Tensor2D;
      }),
    { inputShape: [H, W, 1], numClasses: 2 },
  );
  return { classifier, values, dispose: () => weights.dispose() };
}

describeOnBackends('deletionInsertion', () => {
  it('ranks a perfect map below a random one below a reversed one (deletion) and the reverse for insertion', async () => {
    const model = logisticModel();
    const pixels = seededValues(H * W, 5, 0, 1);
    const contributions = Array.from(pixels, (x, p) => x * (model.values[p] as number));
    const images = tf.tensor4d(pixels, [1, H, W, 1]);
    const perfect = tf.tensor4d(contributions, [1, H, W, 1]);
    const reversed = tf.neg(perfect) as tf.Tensor4D;
    const random = tf.tensor4d(seededValues(H * W, 99), [1, H, W, 1]);
    await expectNoLeak(async () => {
      const options = { steps: H * W, baseline: 0, target: 0 } as const;
      const [best] = await deletionInsertion(model.classifier, images, perfect, options);
      const [worst] = await deletionInsertion(model.classifier, images, reversed, options);
      const [middle] = await deletionInsertion(model.classifier, images, random, options);
      if (!best || !worst || !middle) throw new Error('missing result');
      expect(best.deletionCurve).toHaveLength(H * W + 1);
      expect(best.deletionAuc).toBeLessThan(middle.deletionAuc);
      expect(middle.deletionAuc).toBeLessThan(worst.deletionAuc);
      expect(best.insertionAuc).toBeGreaterThan(middle.insertionAuc);
      expect(middle.insertionAuc).toBeGreaterThan(worst.insertionAuc);
      // Both curves end at the fully deleted / fully inserted image, whatever the order.
      const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
      const full = sigmoid(contributions.reduce((a, b) => a + b, 0));
      expect(best.deletionCurve[0]).toBeCloseTo(full, 4);
      expect(best.deletionCurve.at(-1)).toBeCloseTo(0.5, 4);
      expect(best.insertionCurve.at(-1)).toBeCloseTo(full, 4);
      // Deleting the highest contributions first keeps the running logit at its lower envelope.
      const order = contributions
        .map((_, p) => p)
        .sort((a, b) => (contributions[b] as number) - (contributions[a] as number));
      let logit = contributions.reduce((a, b) => a + b, 0);
      for (let step = 1; step <= H * W; step++) {
        logit -= contributions[order[step - 1] as number] as number;
        expect(best.deletionCurve[step]).toBeCloseTo(sigmoid(logit), 4);
      }
      const area = best.deletionCurve.reduce(
        (sum, value, i, curve) => (i === 0 ? 0 : sum + (value + (curve[i - 1] as number)) / 2),
        0,
      );
      expect(best.deletionAuc).toBeCloseTo(area / (H * W), 6);
    });
    tf.dispose([images, perfect, reversed, random]);
    model.dispose();
  });

  it('computes one mode on request, in any chunk size, with the blurred default for insertion', async () => {
    const model = logisticModel();
    const images = tf.tensor4d(seededValues(2 * H * W, 6, 0, 1), [2, H, W, 1]);
    const map = tf.tensor4d(seededValues(2 * H * W, 7), [2, H, W, 1]);
    await expectNoLeak(async () => {
      const deletion = await deletionInsertion(model.classifier, images, map, { mode: 'deletion', steps: 4 });
      expect(deletion[0]?.insertionCurve).toEqual([]);
      expect(deletion[0]?.insertionAuc).toBeNaN();
      const both = await deletionInsertion(model.classifier, images, map, { steps: 4, internalBatchSize: 3 });
      for (let image = 0; image < 2; image++) {
        for (let step = 0; step <= 4; step++) {
          expect(both[image]?.deletionCurve[step]).toBeCloseTo(
            deletion[image]?.deletionCurve[step] as number,
            5,
          );
        }
        expect(both[image]?.insertionCurve).toHaveLength(5);
      }
    });
    tf.dispose([images, map]);
    model.dispose();
  });

  it('rejects invalid options and attributions with typed errors', async () => {
    const model = logisticModel();
    const images = tf.zeros([1, H, W, 1]) as tf.Tensor4D;
    const map = tf.zeros([1, H, W, 1]) as tf.Tensor4D;
    const wrong = tf.zeros([1, H, W + 1, 1]) as tf.Tensor4D;
    await expectNoLeak(async () => {
      const cases: [unknown, string][] = [
        [deletionInsertion(model.classifier, images, map, { steps: 0 }), 'options.steps'],
        [deletionInsertion(model.classifier, images, map, { baseline: 2 }), 'options.baseline'],
        [deletionInsertion(model.classifier, images, map, { mode: 'x' as 'both' }), 'options.mode'],
        [deletionInsertion(model.classifier, images, wrong), 'attributions'],
      ];
      for (const [promise, argument] of cases) {
        const error = await (promise as Promise<unknown>).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
    });
    tf.dispose([images, map, wrong]);
    model.dispose();
  });
});

describeOnBackends('deletionInsertion on the MNIST classifier', () => {
  let classifier: ReturnType<typeof mnistClassifier>;
  beforeAll(() => {
    classifier = mnistClassifier();
  });
  afterAll(() => classifier.dispose());

  it('gives the vanilla gradient a lower mean deletion AUC than a random map', async () => {
    await expectNoLeak(async () => {
      const digits = tf.tensor4d(sampleDigits(), [10, 28, 28, 1]);
      const target = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
      const gradient = await vanillaGradient(classifier, digits, { target });
      const random = tf.tensor4d(seededValues(10 * 28 * 28, 21, 0, 1), [10, 28, 28, 1]);
      const options = { mode: 'deletion', target, internalBatchSize: 64 } as const;
      const explained = await deletionInsertion(classifier, digits, gradient, options);
      const baseline = await deletionInsertion(classifier, digits, random, options);
      tf.dispose([digits, gradient, random]);
      const mean = (results: { deletionAuc: number }[]) =>
        results.reduce((sum, result) => sum + result.deletionAuc, 0) / results.length;
      expect(mean(explained)).toBeLessThan(mean(baseline));
    });
  });
});
