import { createTinyConvNet, describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { expectInvalidArgument } from '../__fixtures__/expectations';
import { resolveAttackTargets } from './targets';

describeOnBackends('resolveAttackTargets', () => {
  it("resolves 'leastLikely' to the argmin, 'randomOther' to a seeded other class, and labels to the argmax", async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(20);
    await expectNoLeak(async () => {
      const logits = tiny.classifier.logits(images);
      const rows = (await logits.array()) as number[][];
      logits.dispose();
      const argmax = rows.map((row) => row.indexOf(Math.max(...row)));
      const argmin = rows.map((row) => row.indexOf(Math.min(...row)));
      const untargeted = await resolveAttackTargets(tiny.classifier, images, {});
      expect(untargeted).toEqual({ labels: argmax, targets: undefined });
      const least = await resolveAttackTargets(tiny.classifier, images, { target: 'leastLikely' });
      expect(least.targets).toEqual(argmin);
      const labels = argmax.map((_, i) => i % 5);
      const random = await resolveAttackTargets(tiny.classifier, images, {
        target: 'randomOther',
        labels,
        seed: 9,
      });
      const again = await resolveAttackTargets(tiny.classifier, images, {
        target: 'randomOther',
        labels,
        seed: 9,
      });
      const other = await resolveAttackTargets(tiny.classifier, images, {
        target: 'randomOther',
        labels,
        seed: 10,
      });
      expect(random.labels).toEqual(labels);
      expect(random.targets).toEqual(again.targets);
      expect(random.targets).not.toEqual(other.targets);
      expect(random.targets?.every((t, i) => t !== labels[i] && t >= 0 && t < 5)).toBe(true);
      // Every other class is drawn for some image.
      expect(new Set(random.targets).size).toBe(5);
      expect((await resolveAttackTargets(tiny.classifier, images, { target: 3 })).targets).toEqual(
        new Array(20).fill(3),
      );
      await expectInvalidArgument(
        resolveAttackTargets(tiny.classifier, images, { target: 5 }),
        'options.target',
      );
      await expectInvalidArgument(
        resolveAttackTargets(tiny.classifier, images, { target: 'nearest' as 'leastLikely' }),
        'options.target',
      );
      await expectInvalidArgument(
        resolveAttackTargets(tiny.classifier, images, { target: 'randomOther', seed: 0.5 }),
        'options.seed',
      );
    });
    tf.dispose(images);
    tiny.dispose();
  });
});
