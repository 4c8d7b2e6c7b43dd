import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, expect, it } from 'vitest';
import {
  type ConverterReference,
  expectAtFloor,
  writeFullMobileNetV2,
} from './__fixtures__/converter-fixtures';
import { loadClassifier } from './load-classifier-node';

// The real-sized converter-format MobileNetV2 (width 1.0, 224², 1000 classes, 4 MiB shards) that
// timing tests build at test time loads through loadClassifier and computes PyTorch's logits.
const directory = mkdtempSync(join(tmpdir(), 'netlens-mobilenet-v2-224-'));
const reference: ConverterReference | undefined = writeFullMobileNetV2(directory);
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeOnBackends(
  'real-sized converter-format MobileNetV2',
  () => {
    it.skipIf(!reference)("loads through loadClassifier and gives PyTorch's logits", async () => {
      const fixture = reference as ConverterReference;
      const classifier = await loadClassifier(fixture.modelPath, { preprocess: fixture.preprocess });
      expect(classifier.numClasses).toBe(1000);
      expect(classifier.inputShape).toEqual([224, 224, 3]);
      await expectNoLeak(async () => {
        const images = tf.tensor4d(fixture.input, fixture.inputShape);
        const logits = classifier.logits(images);
        await expectAtFloor(logits, fixture, 'logits');
        tf.dispose([images, logits]);
      });
      classifier.dispose();
    });
  },
  {
    exclude: {
      cpu: "tfjs-cpu takes about 10 s for one 224² forward pass; the graph and loader are the backend's, wasm checks them",
      'node-webgpu': 'SwiftShader takes about 100 s for one 224² forward pass',
    },
  },
);
