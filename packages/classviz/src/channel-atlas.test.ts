import { InvalidArgumentError } from '@netlens/backends';
import { createTinyConvNet, describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { channelAtlas } from './channel-atlas';

describeOnBackends('channelAtlas', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  beforeAll(() => {
    tiny = createTinyConvNet();
  });
  afterAll(() => tiny.dispose());

  it('visualizes the first k channels in one batch: image k excites channel k most', async () => {
    await expectNoLeak(async () => {
      const { images, objectives } = await channelAtlas(tiny.classifier, 'conv1', {
        count: 3,
        numSteps: 20,
        parameterization: 'pixel',
        transforms: [],
      });
      expect(images.shape).toEqual([3, 8, 8, 3]);
      expect(objectives[0]).toHaveLength(3);
      const [activation] = (tiny.classifier.activations as (x: tf.Tensor4D, names: string[]) => tf.Tensor[])(
        images,
        ['conv1'],
      ) as tf.Tensor[];
      const channelMeans = tf.mean(activation as tf.Tensor, [1, 2]);
      const means = (await channelMeans.array()) as number[][];
      for (let k = 0; k < 3; k++) {
        for (let other = 0; other < 3; other++) {
          if (other !== k) expect(means[k]?.[k]).toBeGreaterThan(means[other]?.[k] as number);
        }
      }
      tf.dispose([images, activation as tf.Tensor, channelMeans]);
    });
  });

  it('throws InvalidArgumentError for unknown layers and counts beyond the channels', async () => {
    await expectNoLeak(async () => {
      await expect(channelAtlas(tiny.classifier, 'dense')).rejects.toMatchObject({ argument: 'layer' });
      await expect(channelAtlas(tiny.classifier, 'conv2', { count: 7 })).rejects.toThrow(
        InvalidArgumentError,
      );
      await expect(channelAtlas(tiny.classifier, 'conv2', { count: 0 })).rejects.toMatchObject({
        argument: 'options.count',
      });
    });
  });
});
