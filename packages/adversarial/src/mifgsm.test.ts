import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectInvalidArgument } from './__fixtures__/expectations';
import { bim } from './bim';
import { mifgsm } from './mifgsm';

describeOnBackends('mifgsm', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(3);
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });

  it('with decay 0 equals BIM (the normalised gradient keeps its sign)', async () => {
    await expectNoLeak(async () => {
      const options = { epsilon: 0.05, stepSize: 0.02, numSteps: 3 };
      const momentumless = await mifgsm(tiny.classifier, images, { ...options, decay: 0 });
      const iterative = await bim(tiny.classifier, images, options);
      await expectTensorsClose(momentumless, iterative, { rtol: 0, atol: 0 });
      tf.dispose([momentumless, iterative]);
    });
  });

  it('with momentum stays in the ε-ball and [0, 1] and differs from BIM', async () => {
    await expectNoLeak(async () => {
      const options = { epsilon: 0.05, stepSize: 0.02, numSteps: 4, target: 'leastLikely' as const };
      const adversarial = await mifgsm(tiny.classifier, images, options);
      const iterative = await bim(tiny.classifier, images, options);
      const stats = tf.tidy(() =>
        tf.stack([
          tf.max(tf.abs(tf.sub(adversarial, images))),
          tf.min(adversarial),
          tf.max(adversarial),
          tf.max(tf.abs(tf.sub(adversarial, iterative))),
        ]),
      );
      const [size, low, high, differs] = Array.from(await stats.data()) as [number, number, number, number];
      expect(size).toBeLessThanOrEqual(0.05 + 1e-6);
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      expect(differs).toBeGreaterThan(0);
      tf.dispose([adversarial, iterative, stats]);
      await expectInvalidArgument(mifgsm(tiny.classifier, images, { decay: -1 }), 'options.decay');
    });
  });
});
