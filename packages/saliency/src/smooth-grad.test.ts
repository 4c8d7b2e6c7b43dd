import { InvalidArgumentError } from '@netlens/backends';
import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { itKeepsTheStepContract } from './__fixtures__/step-contract';
import { gaussianNoise, sampleSeed } from './internal/noise';
import { inputGradient, resolveTargets, scoreOf } from './internal/targets';
import { smoothGrad } from './smooth-grad';
import { vanillaGradient } from './vanilla-gradient';

describeOnBackends('smoothGrad', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(2, 5);
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });

  it('equals the wrapped method when noiseLevel is 0', async () => {
    await expectNoLeak(async () => {
      const smoothed = await smoothGrad(tiny.classifier, images, { noiseLevel: 0, samples: 4 });
      const raw = await vanillaGradient(tiny.classifier, images, { abs: false, channelReduction: 'none' });
      await expectTensorsClose(smoothed, raw);
      const smoothedMaps = await smoothGrad(tiny.classifier, images, {
        noiseLevel: 0,
        samples: 3,
        target: [1, 4],
        method: (model, x, options) => vanillaGradient(model, x, options),
      });
      const maps = await vanillaGradient(tiny.classifier, images, { target: [1, 4] });
      expect(smoothedMaps.shape).toEqual([2, 8, 8, 1]);
      await expectTensorsClose(smoothedMaps, maps);
      tf.dispose([smoothed, raw, smoothedMaps, maps]);
    });
  });

  it('repeats for one seed and changes with another, whatever the batching', async () => {
    await expectNoLeak(async () => {
      const a = await smoothGrad(tiny.classifier, images, { samples: 5, seed: 3 });
      const b = await smoothGrad(tiny.classifier, images, { samples: 5, seed: 3, internalBatchSize: 1 });
      const c = await smoothGrad(tiny.classifier, images, { samples: 5, seed: 4 });
      expect(Array.from(await a.data())).toEqual(Array.from(await smoothGradAgain(a)));
      await expectTensorsClose(a, b);
      const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, c))));
      expect((await difference.data())[0]).toBeGreaterThan(1e-3);
      tf.dispose([a, b, c, difference]);
    });
    async function smoothGradAgain(reference: tf.Tensor): Promise<Float32Array> {
      const again = await smoothGrad(tiny.classifier, images, { samples: 5, seed: 3 });
      expect(again.shape).toEqual(reference.shape);
      const values = (await again.data()) as Float32Array;
      again.dispose();
      return values;
    }
  });

  it('gives a non-negative VarGrad', async () => {
    await expectNoLeak(async () => {
      const variance = await smoothGrad(tiny.classifier, images, { samples: 6, variant: 'vargrad', seed: 2 });
      const low = tf.min(variance);
      expect((await low.data())[0]).toBeGreaterThanOrEqual(0);
      const high = tf.max(variance);
      expect((await high.data())[0]).toBeGreaterThan(0);
      tf.dispose([variance, low, high]);
    });
  });

  it('averages squared gradients of the same noisy copies for smoothgrad-squared', async () => {
    await expectNoLeak(async () => {
      const seed = 9;
      const noiseLevel = 0.2;
      const squared = await smoothGrad(tiny.classifier, images, {
        samples: 3,
        noiseLevel,
        seed,
        variant: 'smoothgrad-squared',
        internalBatchSize: 4,
      });
      const targets = await resolveTargets(tiny.classifier, images);
      const ranges = tf.tidy(() => {
        const flat = tf.reshape(images, [2, -1]);
        return tf.sub(tf.max(flat, 1), tf.min(flat, 1));
      });
      const stds = Array.from(await ranges.data(), (range) => noiseLevel * range);
      ranges.dispose();
      const reference = tf.tidy(() => {
        const squares = [0, 1, 2].map((sample) => {
          const noisy = tf.add(
            images,
            gaussianNoise(images.shape, sampleSeed(seed, sample), stds),
          ) as tf.Tensor4D;
          return tf.square(inputGradient(scoreOf(tiny.classifier, targets), noisy));
        });
        return tf.div(tf.addN(squares), 3);
      });
      await expectTensorsClose(squared, reference);
      tf.dispose([squared, reference]);
    });
  });

  it('rejects bad input with InvalidArgumentError and no leaked tensors', async () => {
    const cases: [string, () => tf.Tensor, object][] = [
      ['images', () => tf.zeros([8, 8, 3]), {}],
      ['images', () => tf.zeros([1, 8, 8, 1]), {}],
      ['images', () => tf.fill([1, 8, 8, 3], Number.NaN), {}],
      ['images', () => tf.fill([1, 8, 8, 3], 2), {}],
      ['options.target', () => tf.zeros([1, 8, 8, 3]), { target: 5 }],
      ['options.target', () => tf.zeros([1, 8, 8, 3]), { target: [0, 1] }],
      ['options.samples', () => tf.zeros([1, 8, 8, 3]), { samples: 0 }],
      ['options.samples', () => tf.zeros([1, 8, 8, 3]), { samples: -3 }],
      ['options.samples', () => tf.zeros([1, 8, 8, 3]), { samples: 1e9 }],
      ['options.samples', () => tf.zeros([1, 8, 8, 3]), { samples: 10_001 }],
      ['options.memoryBudget', () => tf.zeros([1, 8, 8, 3]), { memoryBudget: -1 }],
      ['options.onStep', () => tf.zeros([1, 8, 8, 3]), { onStep: 'log' }],
      ['options.signal', () => tf.zeros([1, 8, 8, 3]), { signal: true }],
      ['options.noiseLevel', () => tf.zeros([1, 8, 8, 3]), { noiseLevel: -0.1 }],
      ['options.variant', () => tf.zeros([1, 8, 8, 3]), { variant: 'mean' }],
      ['options.internalBatchSize', () => tf.zeros([1, 8, 8, 3]), { internalBatchSize: 0 }],
    ];
    for (const [argument, make, options] of cases) {
      const input = make();
      await expectNoLeak(async () => {
        const error = await smoothGrad(tiny.classifier, input as tf.Tensor4D, options).catch(
          (caught) => caught,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      });
      input.dispose();
    }
  });
});

describeOnBackends('smoothGrad progress and abort', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(2, 5);
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });

  // 9 noisy copies of the 2-image batch, 3 copies (6 images) per chunk.
  itKeepsTheStepContract(
    'smoothGrad',
    (options) =>
      smoothGrad(tiny.classifier, images, {
        ...options,
        samples: 9,
        internalBatchSize:
          options.internalBatchSize === undefined ? undefined : options.internalBatchSize * 2,
      }),
    9,
    3,
  );

  it('passes its signal to the wrapped method', async () => {
    const controller = new AbortController();
    const received: (AbortSignal | undefined)[] = [];
    await expectNoLeak(async () => {
      const result = await smoothGrad(tiny.classifier, images, {
        samples: 2,
        signal: controller.signal,
        method: async (model, noisy, options) => {
          received.push(options.signal);
          return vanillaGradient(model, noisy, options);
        },
      });
      result.dispose();
    });
    expect(received.length).toBeGreaterThan(0);
    expect(received.every((signal) => signal === controller.signal)).toBe(true);
  });
});
