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
import { fgsm } from './fgsm';
import { resolveAttackTargets } from './internal/targets';
import { pgd } from './pgd';

describeOnBackends('bim', () => {
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

  it('equals PGD without a random start, and iterated FGSM clipped to the ball', async () => {
    await expectNoLeak(async () => {
      const options = {
        epsilon: 0.06,
        stepSize: 0.025,
        numSteps: 3,
        target: 'randomOther' as const,
        seed: 2,
      };
      const iterative = await bim(tiny.classifier, images, options);
      const projected = await pgd(tiny.classifier, images, { ...options, randomStart: false });
      await expectTensorsClose(iterative, projected, { rtol: 0, atol: 0 });
      // By hand: three FGSM steps towards the same targets, each clipped to [x − ε, x + ε] ∩ [0, 1].
      let current = tf.clone(images);
      const { targets } = await resolveAttackTargets(tiny.classifier, images, options);
      for (let step = 0; step < 3; step++) {
        const next = await fgsm(tiny.classifier, current, { epsilon: 0.025, target: targets as number[] });
        const clipped = tf.tidy(
          () =>
            tf.clipByValue(
              tf.minimum(tf.maximum(next, tf.sub(images, 0.06)), tf.add(images, 0.06)),
              0,
              1,
            ) as tf.Tensor4D,
        );
        tf.dispose([current, next]);
        current = clipped;
      }
      await expectTensorsClose(iterative, current);
      const size = tf.tidy(() => tf.max(tf.abs(tf.sub(iterative, images))));
      expect((await size.data())[0]).toBeLessThanOrEqual(0.06 + 1e-6);
      tf.dispose([iterative, projected, current, size]);
    });
  });

  it('rejects a negative step size', async () => {
    await expectNoLeak(async () => {
      await expectInvalidArgument(bim(tiny.classifier, images, { stepSize: -1 }), 'options.stepSize');
    });
  });
});
