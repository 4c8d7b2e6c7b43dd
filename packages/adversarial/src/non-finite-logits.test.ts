import { fromFunction, InvalidArgumentError } from '@netlens/backends';
import { createTinyConvNet, describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectInvalidArgument } from './__fixtures__/expectations';
import { bim } from './bim';
import { carliniWagnerL2 } from './carlini-wagner-l2';
import { deepFool } from './deep-fool';
import { fgsm } from './fgsm';
import { makeFoolingImage } from './make-fooling-image';
import { mifgsm } from './mifgsm';
import { pgd } from './pgd';

describeOnBackends('attacks on a model whose logits are not finite', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  // Image 1's logits become NaN, image 0's +Infinity on class 2 only: both must be refused.
  let broken: ReturnType<typeof fromFunction>;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(2);
    const poison = tf.tensor2d([
      [0, 0, Number.POSITIVE_INFINITY, 0, 0],
      [Number.NaN, Number.NaN, Number.NaN, Number.NaN, Number.NaN],
    ]);
    broken = fromFunction((x) => tf.add(tiny.classifier.logits(x), poison) as tf.Tensor2D, {
      inputShape: [8, 8, 3],
      numClasses: 5,
    });
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });

  it('every attack that reads the logits refuses them with an error naming the model and the images', async () => {
    const runs: Record<string, () => Promise<unknown>> = {
      fgsm: () => fgsm(broken, images),
      bim: () => bim(broken, images, { numSteps: 1 }),
      mifgsm: () => mifgsm(broken, images, { numSteps: 1 }),
      pgd: () => pgd(broken, images, { numSteps: 1 }),
      carliniWagnerL2: () => carliniWagnerL2(broken, images, { binarySearchSteps: 1, numSteps: 1 }),
      deepFool: () => deepFool(broken, images, { maxIterations: 1 }),
      'deepFool (labels given)': () => deepFool(broken, images, { maxIterations: 1, labels: [0, 1] }),
      makeFoolingImage: () => makeFoolingImage(broken, images, { target: 'leastLikely', maxIterations: 1 }),
      'makeFoolingImage (class given)': () =>
        makeFoolingImage(broken, images, { target: 3, maxIterations: 1 }),
    };
    for (const [name, run] of Object.entries(runs)) {
      await expectNoLeak(async () => {
        const error = await run().then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error, name).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument, name).toBe('model');
        expect((error as InvalidArgumentError).received, name).toBe(
          'NaN or ±Infinity in the logits of image 0, 1',
        );
      });
    }
  });

  it('allowNonFinite: true lets the attack run, and rejects a non-boolean', async () => {
    await expectNoLeak(async () => {
      const adversarial = await fgsm(broken, images, { allowNonFinite: true });
      expect(adversarial.shape).toEqual(images.shape);
      adversarial.dispose();
      await expectInvalidArgument(
        fgsm(broken, images, { allowNonFinite: 'yes' as unknown as boolean }),
        'options.allowNonFinite',
      );
    });
  });
});

describeOnBackends('step counts have an upper bound', () => {
  it('refuses absurd step counts at once, naming the option', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(1);
    await expectNoLeak(async () => {
      const started = performance.now();
      await expectInvalidArgument(bim(tiny.classifier, images, { numSteps: 1e9 }), 'options.numSteps');
      await expectInvalidArgument(mifgsm(tiny.classifier, images, { numSteps: 1e9 }), 'options.numSteps');
      await expectInvalidArgument(pgd(tiny.classifier, images, { numSteps: 100_001 }), 'options.numSteps');
      await expectInvalidArgument(
        carliniWagnerL2(tiny.classifier, images, { numSteps: 1e9 }),
        'options.numSteps',
      );
      await expectInvalidArgument(
        carliniWagnerL2(tiny.classifier, images, { binarySearchSteps: 1e9 }),
        'options.binarySearchSteps',
      );
      await expectInvalidArgument(
        deepFool(tiny.classifier, images, { maxIterations: 1e9 }),
        'options.maxIterations',
      );
      await expectInvalidArgument(
        makeFoolingImage(tiny.classifier, images, { target: 1, maxIterations: 1e9 }),
        'options.maxIterations',
      );
      // Refused before any work, not after running.
      expect(performance.now() - started).toBeLessThan(5000);
    });
    // Zero steps stays valid.
    const zero = await pgd(tiny.classifier, images, { numSteps: 0, randomStart: false });
    zero.dispose();
    images.dispose();
    tiny.dispose();
  });
});
