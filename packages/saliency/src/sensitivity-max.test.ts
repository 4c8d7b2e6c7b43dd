import { createTinyConvNet, describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import { expect, it } from 'vitest';
import { createLinearModel, linearImages } from './__fixtures__/linear-model';
import { sensitivityMax } from './sensitivity-max';
import { vanillaGradient } from './vanilla-gradient';

describeOnBackends('sensitivityMax', () => {
  it('is 0 for the vanilla gradient of a linear model (its gradient is constant)', async () => {
    const linear = createLinearModel();
    const images = linearImages(3);
    await expectNoLeak(async () => {
      const values = await sensitivityMax(vanillaGradient, linear.classifier, images, { target: 2, seed: 4 });
      expect(values).toHaveLength(3);
      for (const value of values) expect(value).toBeCloseTo(0, 6);
    });
    images.dispose();
    linear.dispose();
  });

  it('is positive for a non-linear model and independent of the chunk size', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(2);
    await expectNoLeak(async () => {
      const options = { target: [1, 2], samples: 5, seed: 1, radius: 0.1 } as const;
      const whole = await sensitivityMax(vanillaGradient, tiny.classifier, images, options);
      const chunked = await sensitivityMax(vanillaGradient, tiny.classifier, images, {
        ...options,
        internalBatchSize: 3,
      });
      for (let n = 0; n < 2; n++) {
        expect(whole[n]).toBeGreaterThan(0);
        expect(chunked[n]).toBeCloseTo(whole[n] as number, 4);
      }
    });
    images.dispose();
    tiny.dispose();
  });
});
