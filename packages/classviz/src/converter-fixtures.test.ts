import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import type { LoadedClassifier } from '@netlens/models';
import { loadClassifier } from '@netlens/models/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { converterReference } from '../../models/src/__fixtures__/converter-fixtures';
import { createClassVisualization } from './create-class-visualization';

// createClassVisualization runs on the converter-shaped MobileNetV2 and Inception GraphModels
// (loadClassifier), leak-free, a few steps, and raises the class score it ascends.
describeOnBackends(
  'class visualization on converter-shaped GraphModels',
  () => {
    for (const name of ['mobilenet-v2', 'inception'] as const) {
      const reference = converterReference(name);
      let model: LoadedClassifier;
      beforeAll(async () => {
        model = await loadClassifier(reference.modelPath, { preprocess: reference.preprocess });
      });
      afterAll(() => model?.dispose());

      it(`${name}: a few steps with jitter and blur raise the target score`, async () => {
        const target = 3;
        const [, height, width] = reference.inputShape;
        await expectNoLeak(async () => {
          const initialImage = tf.tensor4d(reference.input.subarray(0, height * width * 3), [
            1,
            height,
            width,
            3,
          ]);
          const { image, objectives } = await createClassVisualization(model, target, {
            numIterations: 4,
            blurEvery: 2,
            seed: 1,
            initialImage,
          });
          expect(image.shape).toEqual([1, height, width, 3]);
          expect((await image.data()).every(Number.isFinite)).toBe(true);
          expect(objectives.length).toBe(4);
          const [before, after] = tf.tidy(() => [
            tf.slice(model.logits(initialImage), [0, target], [1, 1]),
            tf.slice(model.logits(image), [0, target], [1, 1]),
          ]);
          expect((await after!.data())[0]).toBeGreaterThan((await before!.data())[0] as number);
          tf.dispose([image, initialImage, before!, after!]);
        });
      });
    }
  },
  { exclude: { 'node-webgpu': 'SwiftShader is slow for optimisation loops; parity runs there' } },
);
