import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import { loadSqueezeNet11Weights, squeezeNet11 } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { torchSqueezeNetReference } from '../../models/src/__fixtures__/torch-squeezenet-reference';
import { gradCam } from './grad-cam';
import { gradientTimesInput } from './gradient-times-input';
import { integratedGradients } from './integrated-gradients';
import { vanillaGradient } from './vanilla-gradient';

// Vanilla gradient, gradient × input, Integrated Gradients and Grad-CAM on SqueezeNet 1.1 with the
// same (seeded torchvision) weights and pixels as PyTorch computes them (scripts/torch-reference.py).
const reference = torchSqueezeNetReference({
  referenceScript: new URL('../scripts/torch-reference.py', import.meta.url),
  size: 66,
  batch: 2,
});
const floats = reference.floats;
let targets: number[] = [];

beforeAll(() => {
  reference.prepare();
  if (reference.available) targets = reference.json<{ targets: number[] }>('targets.json').targets;
});
afterAll(() => reference.dispose());

describeOnBackends('saliency methods on SqueezeNet 1.1 equal PyTorch', () => {
  it.skipIf(!reference.available)(
    'vanilla gradient, gradient × input, Integrated Gradients (8-point Gauss–Legendre) and Grad-CAM (fire9)',
    async () => {
      const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
      await expectNoLeak(async () => {
        const images = tf.tensor4d(floats('input.bin'), [2, 66, 66, 3]);
        const vanilla = await vanillaGradient(model, images, { target: targets });
        await expectTensorsClose(vanilla, floats('vanilla.bin'));
        const predicted = await vanillaGradient(model, images);
        await expectTensorsClose(predicted, vanilla, { rtol: 0, atol: 0 });
        const gxi = await gradientTimesInput(model, images, { target: targets, channelReduction: 'none' });
        await expectTensorsClose(gxi, floats('gxi.bin'));
        const { attributions } = await integratedGradients(model, images, {
          target: targets,
          numSteps: 8,
          method: 'gausslegendre',
          baseline: 'black',
        });
        await expectTensorsClose(attributions, floats('ig.bin'));
        const cam = await gradCam(model, images, { target: targets, layer: 'fire9', upsample: false });
        expect(cam.shape).toEqual([2, 4, 4, 1]);
        await expectTensorsClose(cam, floats('gradcam.bin'));
        tf.dispose([images, vanilla, predicted, gxi, attributions, cam]);
      });
      model.dispose();
    },
  );
});
