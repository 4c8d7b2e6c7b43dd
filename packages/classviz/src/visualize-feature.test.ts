import { fromFunction, InvalidArgumentError, NetlensError } from '@netlens/backends';
import { createTinyConvNet, describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { channel, classLogit, diversity, neuron, scaleObjective, sumObjectives } from './objectives';
import { totalVariation } from './regularizers';
import { jitter, pad } from './transforms';
import { visualizeFeature } from './visualize-feature';

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describeOnBackends('visualizeFeature', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  beforeAll(() => {
    tiny = createTinyConvNet();
  });
  afterAll(() => tiny.dispose());

  it('raises a channel objective with the default Fourier, decorrelated, transformed, Adam setup', async () => {
    await expectNoLeak(async () => {
      const { images, objectives } = await visualizeFeature(tiny.classifier, channel('conv2', 1), {
        numSteps: 20,
      });
      expect(images.shape).toEqual([1, 8, 8, 3]);
      expect(objectives).toHaveLength(20);
      const series = objectives.map((values) => values[0] as number);
      expect(mean(series.slice(-5))).toBeGreaterThan(mean(series.slice(0, 5)));
      const data = await images.data();
      expect(data.every((v) => v > 0 && v < 1)).toBe(true);
      images.dispose();
    });
  });

  it('optimises several objectives as one batch, objective-major, each image for its own', async () => {
    await expectNoLeak(async () => {
      const { images, objectives } = await visualizeFeature(tiny.classifier, [classLogit(0), classLogit(3)], {
        numSteps: 20,
        batchSize: 2,
        parameterization: 'pixel',
        transforms: [pad(1), jitter(1)],
        optimizer: { name: 'normalized-sgd', learningRate: 2 },
        seed: 4,
      });
      expect(images.shape).toEqual([4, 8, 8, 3]);
      expect(objectives[0]).toHaveLength(4);
      const scores = tiny.classifier.logits(images);
      const logits = (await scores.array()) as number[][];
      // Images 0 and 1 were pushed up class 0, images 2 and 3 class 3.
      for (const i of [0, 1]) expect(logits[i]?.[0]).toBeGreaterThan(logits[i + 2]?.[0] as number);
      for (const i of [2, 3]) expect(logits[i]?.[3]).toBeGreaterThan(logits[i - 2]?.[3] as number);
      tf.dispose([images, scores]);
    });
  });

  it('lowers total variation when the penalty is on, and repeats per seed', async () => {
    await expectNoLeak(async () => {
      const options = { numSteps: 15, parameterization: 'pixel' as const, transforms: [], seed: 2 };
      const objective = sumObjectives(neuron('conv1', 2), scaleObjective(diversity('conv1'), 0.5));
      const plain = await visualizeFeature(tiny.classifier, objective, { ...options, batchSize: 2 });
      const again = await visualizeFeature(tiny.classifier, objective, { ...options, batchSize: 2 });
      const smooth = await visualizeFeature(tiny.classifier, objective, {
        ...options,
        batchSize: 2,
        regularizers: [totalVariation(1)],
      });
      expect(Array.from(await plain.images.data())).toEqual(Array.from(await again.images.data()));
      const tv = totalVariation(1);
      const [a, b] = [tv.penalty(plain.images), tv.penalty(smooth.images)];
      expect(mean(Array.from(await b.data()))).toBeLessThan(mean(Array.from(await a.data())));
      tf.dispose([plain.images, again.images, smooth.images, a, b]);
    });
  });

  it('stops on an AbortSignal', async () => {
    await expectNoLeak(async () => {
      const controller = new AbortController();
      controller.abort();
      await expect(
        visualizeFeature(tiny.classifier, classLogit(1), { numSteps: 5, signal: controller.signal }),
      ).rejects.toMatchObject({ code: 'ABORTED' });
      await expect(
        visualizeFeature(tiny.classifier, classLogit(1), { numSteps: 5, signal: controller.signal }),
      ).rejects.toThrow(NetlensError);
    });
  });

  it('throws InvalidArgumentError for unknown layers, out-of-range indices and bad options, leaving nothing', async () => {
    await expectNoLeak(async () => {
      const model = tiny.classifier;
      const logitsOnly = fromFunction((x) => tf.reshape(tf.mean(x, [1, 2]), [-1, 3]) as tf.Tensor2D, {
        inputShape: [8, 8, 3],
        numClasses: 3,
      });
      const cases: [Promise<unknown>, string][] = [
        [visualizeFeature(model, channel('nope', 0)), 'objective'],
        [visualizeFeature(logitsOnly, channel('conv1', 0)), 'objective'],
        [visualizeFeature(model, channel('conv2', 6), { numSteps: 1 }), 'index'],
        [visualizeFeature(model, classLogit(5), { numSteps: 1 }), 'classIndex'],
        [visualizeFeature(model, []), 'objective'],
        [visualizeFeature(model, classLogit(0), { numSteps: 0 }), 'options.numSteps'],
        [visualizeFeature(model, classLogit(0), { numSteps: -3 }), 'options.numSteps'],
        [visualizeFeature(model, classLogit(0), { batchSize: 0 }), 'options.batchSize'],
        [
          visualizeFeature(model, classLogit(0), { parameterization: 'cppn' as never }),
          'options.parameterization',
        ],
        [
          visualizeFeature(model, classLogit(0), { transforms: [{ kind: 'shear' } as never] }),
          'options.transforms[0]',
        ],
        [
          visualizeFeature(model, classLogit(0), { optimizer: { name: 'adam', learningRate: 0 } }),
          'options.optimizer.learningRate',
        ],
      ];
      for (const [run, argument] of cases) {
        await expect(run).rejects.toThrow(InvalidArgumentError);
        await expect(run).rejects.toMatchObject({ argument });
      }
      await expect(visualizeFeature(model, channel('nope', 0))).rejects.toThrow(/one of conv1, relu1/);
    });
  });
});
