import { NetlensError } from '@netlens/backends';
import { createFailingModel, describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { bim } from './bim';
import { carliniWagnerL2 } from './carlini-wagner-l2';
import { deepFool } from './deep-fool';
import { evaluateAttack } from './evaluate-attack';
import { fgsm } from './fgsm';
import { makeFoolingImage } from './make-fooling-image';
import { mifgsm } from './mifgsm';
import { pgd } from './pgd';

type Model = ReturnType<typeof createFailingModel>['classifier'];

// Few steps: the point is the failure path. With labels given, the first pass is a gradient's.
const ATTACKS: Record<string, (model: Model, images: tf.Tensor4D) => Promise<unknown>> = {
  fgsm: (model, images) => fgsm(model, images),
  'fgsm (labels given)': (model, images) => fgsm(model, images, { labels: [0, 1] }),
  bim: (model, images) => bim(model, images, { numSteps: 2 }),
  mifgsm: (model, images) => mifgsm(model, images, { numSteps: 2, labels: [0, 1] }),
  pgd: (model, images) => pgd(model, images, { numSteps: 2 }),
  'pgd (labels given)': (model, images) => pgd(model, images, { numSteps: 2, labels: [0, 1] }),
  carliniWagnerL2: (model, images) => carliniWagnerL2(model, images, { binarySearchSteps: 1, numSteps: 2 }),
  deepFool: (model, images) => deepFool(model, images, { maxIterations: 2, numCandidates: 2 }),
  makeFoolingImage: (model, images) => makeFoolingImage(model, images, { target: 3, maxIterations: 2 }),
  evaluateAttack: (model, images) =>
    evaluateAttack(model, (m, x, o) => pgd(m, x, { ...o, numSteps: 1 }), images, [0, 1], { epsilons: [0.1] }),
};

function disposeResult(value: unknown): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(disposeResult);
}

describeOnBackends('every attack when the model throws', () => {
  for (const [name, run] of Object.entries(ATTACKS)) {
    it(`${name}: rejects with the model's typed error and leaves no tensors, whichever forward pass fails`, async () => {
      const images = tinyImages(2);
      for (const failAt of [1, 2, 3, 4]) {
        const failing = createFailingModel(failAt);
        await expectNoLeak(async () => {
          const outcome = await run(failing.classifier, images).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          if ('value' in outcome) {
            expect(failing.calls).toBeLessThan(failAt);
            disposeResult(outcome.value);
          } else {
            expect(outcome.error).toBeInstanceOf(NetlensError);
            expect((outcome.error as Error).message).toMatch(/logits/);
          }
        });
        failing.dispose();
      }
      expect(images.isDisposed).toBe(false);
      images.dispose();
    });
  }
});
