import { seededValues } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleDigits } from './__fixtures__/mnist-digits';
import { type DeletionInsertionResult, deletionInsertion } from './deletion-insertion';
import { gradCam } from './grad-cam';
import { integratedGradients } from './integrated-gradients';

// The check on the trained MNIST classifier, for the maps not covered next to
// deletionInsertion's own tests (the vanilla gradient is there): deleting the pixels a map ranks
// first must destroy the digit's class probability faster than deleting them in random order.
const TARGET = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const OPTIONS = { mode: 'deletion', target: TARGET, internalBatchSize: 64 } as const;

const meanDeletionAuc = (results: DeletionInsertionResult[]) =>
  results.reduce((sum, result) => sum + result.deletionAuc, 0) / results.length;

describeOnBackends(
  'deletion AUC of attribution maps on the MNIST classifier',
  () => {
    let classifier: ReturnType<typeof mnistClassifier>;
    let digits: tf.Tensor4D;
    let randomAuc: number;
    beforeAll(async () => {
      classifier = mnistClassifier();
      digits = tf.tensor4d(sampleDigits(), [10, 28, 28, 1]);
      const random = tf.tensor4d(seededValues(10 * 28 * 28, 21, 0, 1), [10, 28, 28, 1]);
      randomAuc = meanDeletionAuc(await deletionInsertion(classifier, digits, random, OPTIONS));
      random.dispose();
    });
    afterAll(() => {
      digits.dispose();
      classifier.dispose();
    });

    it('gives integrated gradients (black baseline) a lower mean deletion AUC than a random map', async () => {
      await expectNoLeak(async () => {
        const { attributions } = await integratedGradients(classifier, digits, {
          target: TARGET,
          numSteps: 8,
        });
        const auc = meanDeletionAuc(await deletionInsertion(classifier, digits, attributions, OPTIONS));
        attributions.dispose();
        expect(auc).toBeLessThan(randomAuc);
      });
    });

    it('gives Grad-CAM (the automatic layer, conv2) a lower mean deletion AUC than a random map', async () => {
      await expectNoLeak(async () => {
        const maps = await gradCam(classifier, digits, { target: TARGET });
        const auc = meanDeletionAuc(await deletionInsertion(classifier, digits, maps, OPTIONS));
        maps.dispose();
        expect(auc).toBeLessThan(randomAuc);
      });
    });
  },
  {
    exclude: {
      // Measured on cpu and wasm: mean deletion AUC 0.122 for IG (8 Gauss–Legendre points; node-webgpu
      // agreed to 3 decimals), 0.400 for Grad-CAM, 0.631 for the random map. On software WebGPU
      // (SwiftShader, in Node and in Chromium) the three curve sets of ten digits take 1.5–2 minutes;
      // each method's WebGPU agreement with cpu is checked by its own suite, and webgl runs this one.
      'node-webgpu': 'three deletion curve sets of ten MNIST digits take minutes on SwiftShader',
      webgpu: 'three deletion curve sets of ten MNIST digits take minutes on SwiftShader',
    },
  },
);
