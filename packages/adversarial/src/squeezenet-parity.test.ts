import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import { loadSqueezeNet11Weights, squeezeNet11 } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAtFloat32Floor } from '../../models/src/__fixtures__/float32-floor';
import { torchSqueezeNetReference } from '../../models/src/__fixtures__/torch-squeezenet-reference';
import { fgsm } from './fgsm';
import { makeFoolingImage } from './make-fooling-image';
import { pgd } from './pgd';

// FGSM and one PGD step (L∞ and L2) on SqueezeNet 1.1 with the same (seeded torchvision) weights and
// pixels as PyTorch computes them, written as torchattacks writes them (scripts/torch-reference.py).
const SIZE = 66;
const reference = torchSqueezeNetReference({
  referenceScript: new URL('../scripts/torch-reference.py', import.meta.url),
  size: SIZE,
  batch: 2,
});
const floats = reference.floats;
let labels: number[] = [];

beforeAll(() => {
  reference.prepare();
  if (reference.available) labels = reference.json<{ labels: number[] }>('labels.json').labels;
});
afterAll(() => reference.dispose());

/**
 * Compares a sign step with PyTorch's: equal within float32 tolerance wherever the gradient is not
 * negligible. Where |∇| < 1e-4·max|∇| the two float32 gradients may disagree on the sign itself (or
 * one may be exactly 0), so there a value may differ by at most one step; such flips must be rare.
 */
async function expectSignStepClose(
  actual: tf.Tensor,
  expected: Float32Array,
  gradient: Float32Array,
  step: number,
) {
  const values = await actual.data();
  let largest = 0;
  for (const g of gradient) largest = Math.max(largest, Math.abs(g));
  let flipped = 0;
  let worst = 0;
  for (let i = 0; i < values.length; i++) {
    const difference = Math.abs((values[i] as number) - (expected[i] as number));
    if (Math.abs(gradient[i] as number) < 1e-4 * largest) {
      expect(difference).toBeLessThanOrEqual(2 * step + 1e-6);
      if (difference > 1e-6) flipped++;
    } else worst = Math.max(worst, difference);
  }
  expect(worst).toBeLessThan(1e-6);
  console.log(
    `sign step ${step.toFixed(4)}: ${flipped} of ${values.length} values flipped at |∇| < 1e-4·max`,
  );
  expect(flipped / values.length).toBeLessThan(1e-3);
}

describeOnBackends('attacks on SqueezeNet 1.1 equal PyTorch (torchattacks formulas)', () => {
  it.skipIf(!reference.available)('FGSM, one PGD-L∞ step and one PGD-L2 step', async () => {
    const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
    await expectNoLeak(async () => {
      const images = tf.tensor4d(floats('input.bin'), [2, SIZE, SIZE, 3]);
      const gradient = floats('grad.bin');
      const signed = await fgsm(model, images, { epsilon: 8 / 255, labels });
      await expectSignStepClose(signed, floats('fgsm.bin'), gradient, 8 / 255);
      const linf = await pgd(model, images, {
        epsilon: 8 / 255,
        stepSize: 2 / 255,
        numSteps: 1,
        randomStart: false,
        labels,
      });
      await expectSignStepClose(linf, floats('pgd-linf.bin'), gradient, 2 / 255);
      const l2 = await pgd(model, images, {
        norm: 'l2',
        epsilon: 0.5,
        stepSize: 1,
        numSteps: 1,
        randomStart: false,
        labels,
      });
      await expectTensorsClose(l2, floats('pgd-l2.bin'));
      tf.dispose([images, signed, linf, l2]);
    });
    model.dispose();
  });
});

describeOnBackends(
  'makeFoolingImage on SqueezeNet 1.1 equals PyTorch (CS231n)',
  () => {
    it.skipIf(!reference.available)(
      "makeFoolingImage: CS231n's loop (step lr·g/‖g‖₂ on the raw target score, stop at the target)",
      async () => {
        const fooling = reference.json<{
          targets: number[];
          iterations: number[];
          success: boolean[];
          learningRate: number;
          maxIterations: number;
          floor: number;
        }>('fooling.json');
        const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
        await expectNoLeak(async () => {
          const images = tf.tensor4d(floats('input.bin'), [2, SIZE, SIZE, 3]);
          const result = await makeFoolingImage(model, images, {
            target: fooling.targets,
            learningRate: fooling.learningRate,
            maxIterations: fooling.maxIterations,
          });
          // PyTorch fools image 1 after 1 step (then leaves it) and not image 0 within 2: the stop rule too.
          expect(result.iterations).toEqual(fooling.iterations);
          expect(result.success).toEqual(fooling.success);
          expect(result.targets).toEqual(fooling.targets);
          const delta = tf.sub(result.images, images);
          await expectAtFloat32Floor('fooling step', delta, floats('fooling-delta-64.bin'), fooling.floor);
          tf.dispose([images, result.images, delta]);
        });
        model.dispose();
      },
    );
  },
  {
    exclude: {
      'node-webgpu':
        'SwiftShader takes ~28 s for these 3 passes; the gradient it steps along is checked there by FGSM and PGD above',
    },
  },
);
