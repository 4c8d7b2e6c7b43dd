import { fromFunction, type InvalidArgumentError, seededValues } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { itKeepsTheStepContract } from './__fixtures__/step-contract';
import { gradientTimesInput } from './gradient-times-input';
import { sanityCheck } from './sanity-check';
import { vanillaGradient } from './vanilla-gradient';

const [H, W, C, K] = [8, 8, 3, 4];

function linearModel(seed: number) {
  const weights = tf.tensor2d(seededValues(H * W * C * K, seed, -1, 1), [H * W * C, K]);
  const classifier = fromFunction(
    (x) => tf.matMul(tf.reshape(x, [x.shape[0], H * W * C]), weights) as tf.Tensor2D,
    { inputShape: [H, W, C], numClasses: K },
  );
  return { classifier, dispose: () => weights.dispose() };
}

describeOnBackends('sanityCheck', () => {
  it('gives 1 for an identical model and a low correlation for a re-initialised one', async () => {
    const trained = linearModel(3);
    const reinitialised = linearModel(77);
    const images = tinyImages(2);
    await expectNoLeak(async () => {
      const method = (model: Parameters<typeof vanillaGradient>[0], x: tf.Tensor4D, options: object) =>
        vanillaGradient(model, x, { ...options, channelReduction: 'none' });
      const { correlations } = await sanityCheck(
        method,
        [trained.classifier, trained.classifier, reinitialised.classifier],
        images,
        { target: 1 },
      );
      expect(correlations).toHaveLength(3);
      for (let n = 0; n < 2; n++) {
        expect(correlations[0]?.[n]).toBeCloseTo(1, 10);
        expect(correlations[1]?.[n]).toBeCloseTo(1, 10);
        expect(Math.abs(correlations[2]?.[n] as number)).toBeLessThan(0.3);
      }
      const factory = await sanityCheck(
        gradientTimesInput,
        (step) => (step === 0 ? trained.classifier : reinitialised.classifier),
        images,
        { steps: 1, target: 1 },
      );
      expect(factory.correlations).toHaveLength(2);
      expect(factory.correlations[0]?.[0]).toBeCloseTo(1, 10);
    });
    const error = await sanityCheck(vanillaGradient, () => trained.classifier, images).catch(
      (caught: unknown) => caught,
    );
    expect((error as InvalidArgumentError).argument).toBe('options.steps');
    const tooMany = await sanityCheck(vanillaGradient, () => trained.classifier, images, {
      steps: 1e9,
    }).catch((caught: unknown) => caught);
    expect((tooMany as InvalidArgumentError).argument).toBe('options.steps');
    tf.dispose(images);
    trained.dispose();
    reinitialised.dispose();
  });
});

describeOnBackends('sanityCheck progress and abort', () => {
  let models: ReturnType<typeof linearModel>[];
  let images: tf.Tensor4D;
  beforeAll(() => {
    models = [3, 4, 5, 6, 7].map(linearModel);
    images = tinyImages(2);
  });
  afterAll(() => {
    for (const model of models) model.dispose();
    images.dispose();
  });

  // One step per model: the original and 4 randomised ones.
  itKeepsTheStepContract(
    'sanityCheck',
    ({ onStep, signal }) =>
      sanityCheck(
        vanillaGradient,
        (step) => (models[step] as ReturnType<typeof linearModel>).classifier,
        images,
        {
          steps: 4,
          target: 1,
          onStep,
          signal,
        },
      ),
    5,
    undefined,
  );
});
