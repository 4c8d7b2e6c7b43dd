import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import type { LoadedClassifier } from '@netlens/models';
import { loadClassifier } from '@netlens/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { converterReference } from '../../models/src/__fixtures__/converter-fixtures';
import { makeFoolingImage } from './make-fooling-image';
import { pgd } from './pgd';

// makeFoolingImage and PGD run on the converter-shaped MobileNetV2 and Inception GraphModels
// (loadClassifier), leak-free, a few steps each, and do what they are for.
async function scores(model: LoadedClassifier, images: tf.Tensor4D, classes: readonly number[]) {
  const picked = tf.tidy(() => {
    const logits = model.logits(images);
    return tf.sum(tf.mul(logits, tf.oneHot(tf.tensor1d(classes as number[], 'int32'), model.numClasses)), 1);
  });
  const values = Array.from(await picked.data());
  picked.dispose();
  return values;
}

describeOnBackends(
  'attacks on converter-shaped GraphModels',
  () => {
    for (const name of ['mobilenet-v2', 'inception'] as const) {
      const reference = converterReference(name);
      let model: LoadedClassifier;
      let images: tf.Tensor4D;
      beforeAll(async () => {
        model = await loadClassifier(reference.modelPath, { preprocess: reference.preprocess });
        // One image keeps a step to a fraction of a second on cpu.
        const [, height, width] = reference.inputShape;
        images = tf.tensor4d(reference.input.subarray(0, height * width * 3), [1, height, width, 3]);
      });
      afterAll(() => {
        images?.dispose();
        model?.dispose();
      });

      it(`${name}: makeFoolingImage raises the target score`, async () => {
        const targets = [((reference.targets[0] as number) + 1) % model.numClasses];
        await expectNoLeak(async () => {
          const before = await scores(model, images, targets);
          const result = await makeFoolingImage(model, images, { target: targets, maxIterations: 2 });
          expect(result.targets).toEqual(targets);
          expect(result.images.shape).toEqual(images.shape);
          const after = await scores(model, result.images, targets);
          for (let i = 0; i < targets.length; i++) expect(after[i]).toBeGreaterThan(before[i] as number);
          result.images.dispose();
        });
      });

      it(`${name}: PGD stays in the ε-ball and lowers the true class's score`, async () => {
        const epsilon = 4 / 255;
        const labels = reference.targets.slice(0, 1);
        await expectNoLeak(async () => {
          const before = await scores(model, images, labels);
          const adversarial = await pgd(model, images, {
            labels,
            epsilon,
            stepSize: 2 / 255,
            numSteps: 2,
            randomStart: false,
          });
          const after = await scores(model, adversarial, labels);
          for (let i = 0; i < after.length; i++) expect(after[i]).toBeLessThan(before[i] as number);
          const [distance, low, high] = tf.tidy(() => [
            tf.max(tf.abs(tf.sub(adversarial, images))),
            tf.min(adversarial),
            tf.max(adversarial),
          ]);
          expect((await distance!.data())[0]).toBeLessThanOrEqual(epsilon + 1e-6);
          expect((await low!.data())[0]).toBeGreaterThanOrEqual(0);
          expect((await high!.data())[0]).toBeLessThanOrEqual(1);
          tf.dispose([adversarial, distance!, low!, high!]);
        });
      });
    }
  },
  { exclude: { 'node-webgpu': 'SwiftShader is slow for iterative attacks; parity runs there' } },
);
