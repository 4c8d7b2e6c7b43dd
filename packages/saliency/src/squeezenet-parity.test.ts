import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import { loadSqueezeNet11Weights, squeezeNet11 } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAtFloat32Floor } from '../../models/src/__fixtures__/float32-floor';
import { torchSqueezeNetReference } from '../../models/src/__fixtures__/torch-squeezenet-reference';
import { deconvnet } from './deconvnet';
import { gradCam } from './grad-cam';
import { gradientTimesInput } from './gradient-times-input';
import { guidedBackprop } from './guided-backprop';
import { guidedGradCam } from './guided-grad-cam';
import { integratedGradients } from './integrated-gradients';
import { occlusion } from './occlusion';
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
let floors: Record<string, number> = {};
let ties: Record<string, { tied: number; windows: number; tiedAtZero: number }> = {};

beforeAll(() => {
  reference.prepare();
  if (!reference.available) return;
  targets = reference.json<{ targets: number[] }>('targets.json').targets;
  ({ floors, ties } = reference.json<{ floors: typeof floors; ties: typeof ties }>('floors.json'));
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

  // The maps below (and occlusion's) are held to PyTorch's float64 run, at a multiple of how far
  // PyTorch's own float32 run lands from it (floors.json; scripts/torch-reference.py).

  // Each ReLU rule against backward hooks on every nn.ReLU of torchvision's model. SqueezeNet's
  // ReLUs are all fused into its convolutions here, so these check that the rules reach fused ReLUs.
  // Deconvnet also passes the signal through dead ReLUs, so max-pool windows whose maximum is tied
  // (all-zero windows after a ReLU; thousands at this size) must route it to the first maximum in
  // row-major order as torch, tfjs-backend-cpu and XNNPACK do. tfjs' WebGPU and WebGL max-pool
  // gradients take the last maximum (`value >= currMaxValue`), which moved the map by 0.40 of its
  // range, so @netlens/backends replaces both kernels.
  for (const [method, run] of [
    ['guided', guidedBackprop],
    ['deconvnet', deconvnet],
  ] as const) {
    it.skipIf(!reference.available)(
      `${method === 'guided' ? 'guided backpropagation' : 'deconvnet'} (hooked nn.ReLU reference)`,
      async () => {
        const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
        await expectNoLeak(async () => {
          const images = tf.tensor4d(floats('input.bin'), [2, 66, 66, 3]);
          const map = await run(model, images, { target: targets });
          expect(map.shape).toEqual([2, 66, 66, 3]);
          const tied = Object.values(ties).reduce((sum, pool) => sum + pool.tied, 0);
          expect(tied).toBeGreaterThan(0);
          await expectAtFloat32Floor(method, map, floats(`${method}-64.bin`), floors[method] as number);
          tf.dispose([images, map]);
        });
        model.dispose();
      },
    );
  }

  it.skipIf(!reference.available)(
    'Guided Grad-CAM (fire9): guided map × Grad-CAM upsampled bilinearly with half-pixel centres',
    async () => {
      const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
      await expectNoLeak(async () => {
        const images = tf.tensor4d(floats('input.bin'), [2, 66, 66, 3]);
        const map = await guidedGradCam(model, images, { target: targets, layer: 'fire9' });
        expect(map.shape).toEqual([2, 66, 66, 3]);
        await expectAtFloat32Floor(
          'guided-gradcam',
          map,
          floats('guided-gradcam-64.bin'),
          floors['guided-gradcam'] as number,
        );
        tf.dispose([images, map]);
      });
      model.dispose();
    },
  );
});

describeOnBackends(
  'occlusion on SqueezeNet 1.1 equals PyTorch',
  () => {
    it.skipIf(!reference.available)(
      'occlusion (22×16 patches of 0.5, stride 22×12, the last column flush with the edge)',
      async () => {
        const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
        await expectNoLeak(async () => {
          const images = tf.tensor4d(floats('input.bin'), [2, 66, 66, 3]);
          const maps = await occlusion(model, images, {
            target: targets,
            window: [22, 16],
            stride: [22, 12],
            baseline: 0.5,
            internalBatchSize: 16,
          });
          expect(maps.shape).toEqual([2, 66, 66, 1]);
          await expectAtFloat32Floor(
            'occlusion',
            maps,
            floats('occlusion-64.bin'),
            floors.occlusion as number,
          );
          tf.dispose([images, maps]);
        });
        model.dispose();
      },
    );
  },
  {
    exclude: {
      'node-webgpu':
        'SwiftShader takes ~90 s for these 37 forward passes; the forward pass is checked there by the gradient parity above',
    },
  },
);
