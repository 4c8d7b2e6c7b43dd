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
import { guidedBackprop } from './guided-backprop';
import { integratedGradients } from './integrated-gradients';
import { runSaliencyMethod, SALIENCY_METHOD_NAMES } from './methods-by-name';
import { vanillaGradient } from './vanilla-gradient';

describeOnBackends('runSaliencyMethod', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(2);
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });

  it('gives one finite, non-constant [N, H, W, 1] map per image for every name', async () => {
    await expectNoLeak(async () => {
      for (const name of SALIENCY_METHOD_NAMES) {
        const map = await runSaliencyMethod(name, tiny.classifier, images, { target: [1, 3] });
        expect(map.shape, name).toEqual([2, 8, 8, 1]);
        const values = await map.data();
        expect(values.every(Number.isFinite), name).toBe(true);
        expect(Math.max(...values) - Math.min(...values), name).toBeGreaterThan(0);
        map.dispose();
      }
    });
  });

  it('equals the direct calls it stands for', async () => {
    await expectNoLeak(async () => {
      const target = [4, 0];
      const byName = await runSaliencyMethod('vanilla', tiny.classifier, images, { target });
      const direct = await vanillaGradient(tiny.classifier, images, { target });
      await expectTensorsClose(byName, direct);
      const igByName = await runSaliencyMethod('ig', tiny.classifier, images, { target });
      const ig = await integratedGradients(tiny.classifier, images, { target });
      const igSum = tf.sum(ig.attributions, 3, true);
      await expectTensorsClose(igByName, igSum);
      const guidedByName = await runSaliencyMethod('guided', tiny.classifier, images, { target });
      const guided = await guidedBackprop(tiny.classifier, images, { target });
      const guidedMax = tf.tidy(() => tf.max(tf.abs(guided), 3, true));
      await expectTensorsClose(guidedByName, guidedMax);
      tf.dispose([byName, direct, igByName, ig.attributions, igSum, guidedByName, guided, guidedMax]);
    });
  });

  it('rejects an unknown name with a typed error and no tensors left', async () => {
    await expectNoLeak(async () => {
      await expect(runSaliencyMethod('magic' as 'vanilla', tiny.classifier, images)).rejects.toThrow(
        InvalidArgumentError,
      );
      await expect(runSaliencyMethod('magic' as 'vanilla', tiny.classifier, images)).rejects.toThrow(/name/);
    });
  });
});
