import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectInvalidArgument, softmax } from './__fixtures__/expectations';
import {
  createLinearModel,
  LINEAR_CLASSES,
  LINEAR_PIXELS,
  LINEAR_SHAPE,
  LINEAR_WEIGHTS,
  linearLogits,
  linearValues,
} from './__fixtures__/linear-model';
import { fgsm } from './fgsm';

/** ∂ CE(softmax(Wᵀx + b), y) / ∂x = W (softmax − onehot(y)), by hand in float64. */
function crossEntropyGradient(flat: readonly number[], y: number): number[] {
  const p = softmax(linearLogits(flat));
  return LINEAR_WEIGHTS.map((row) =>
    row.reduce((sum, w, k) => sum + w * ((p[k] as number) - (k === y ? 1 : 0)), 0),
  );
}

describeOnBackends('fgsm', () => {
  let linear: ReturnType<typeof createLinearModel>;
  beforeAll(() => {
    linear = createLinearModel();
  });
  afterAll(() => linear.dispose());

  it('equals clip(x ± ε·sign(∇CE)) computed by hand on a linear model, untargeted and targeted', async () => {
    const values = linearValues(2);
    const images = tf.tensor4d(values, [2, ...LINEAR_SHAPE]);
    const labels = [0, 2];
    const targets = [1, 0];
    await expectNoLeak(async () => {
      for (const epsilon of [0.05, 0.5]) {
        for (const targeted of [false, true]) {
          const expected: number[] = [];
          for (let n = 0; n < 2; n++) {
            const flat = values.slice(n * LINEAR_PIXELS, (n + 1) * LINEAR_PIXELS);
            const gradient = crossEntropyGradient(flat, (targeted ? targets : labels)[n] as number);
            // Zero gradients would make sign() ambiguous between implementations.
            expect(Math.min(...gradient.map(Math.abs))).toBeGreaterThan(1e-3);
            const direction = targeted ? -1 : 1;
            expected.push(
              ...flat.map((x, p) =>
                Math.min(1, Math.max(0, x + direction * epsilon * Math.sign(gradient[p] as number))),
              ),
            );
          }
          const adversarial = await fgsm(linear.classifier, images, {
            epsilon,
            labels,
            ...(targeted ? { target: targets } : {}),
          });
          await expectTensorsClose(adversarial, expected);
          adversarial.dispose();
        }
      }
    });
    images.dispose();
  });

  it('ε = 0 returns the images; labels default to the clean prediction', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(3);
    await expectNoLeak(async () => {
      const same = await fgsm(tiny.classifier, images, { epsilon: 0 });
      await expectTensorsClose(same, images, { rtol: 0, atol: 0 });
      const logits = tiny.classifier.logits(images);
      const predictedTensor = tf.argMax(logits, 1);
      const predicted = Array.from(await predictedTensor.data());
      const implicit = await fgsm(tiny.classifier, images, { epsilon: 0.1 });
      const explicit = await fgsm(tiny.classifier, images, { epsilon: 0.1, labels: predicted });
      await expectTensorsClose(implicit, explicit, { rtol: 0, atol: 0 });
      tf.dispose([same, logits, predictedTensor, implicit, explicit]);
    });
    images.dispose();
    tiny.dispose();
  });

  it('rejects bad input with typed errors naming the argument, leaving no tensors', async () => {
    const images = tf.tensor4d(linearValues(2), [2, ...LINEAR_SHAPE]);
    const outside = tf.fill([1, ...LINEAR_SHAPE], 1.5) as tf.Tensor4D;
    const withNaN = tf.fill([1, ...LINEAR_SHAPE], Number.NaN) as tf.Tensor4D;
    await expectNoLeak(async () => {
      const model = linear.classifier;
      await expectInvalidArgument(fgsm(model, images, { epsilon: -0.1 }), 'options.epsilon');
      await expectInvalidArgument(fgsm(model, images, { epsilon: Number.NaN }), 'options.epsilon');
      await expectInvalidArgument(fgsm(model, images, { labels: [0] }), 'options.labels');
      await expectInvalidArgument(fgsm(model, images, { labels: [0, LINEAR_CLASSES] }), 'options.labels');
      await expectInvalidArgument(fgsm(model, images, { target: 7 }), 'options.target');
      await expectInvalidArgument(fgsm(model, images, { target: [0, 1.5] }), 'options.target');
      await expectInvalidArgument(fgsm(model, outside), 'images');
      await expectInvalidArgument(fgsm(model, withNaN), 'images');
    });
    tf.dispose([images, outside, withNaN]);
  });
});
