import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import {
  createFailingModel,
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { deconvnet } from './deconvnet';
import { deconvnetFeatureView } from './deconvnet-feature-view';
import { deletionInsertion } from './deletion-insertion';
import { gradCam } from './grad-cam';
import { gradientTimesInput } from './gradient-times-input';
import { guidedBackprop } from './guided-backprop';
import { guidedGradCam } from './guided-grad-cam';
import { infidelity } from './infidelity';
import { integratedGradients } from './integrated-gradients';
import { occlusion } from './occlusion';
import { sanityCheck } from './sanity-check';
import { sensitivityMax } from './sensitivity-max';
import { smoothGrad } from './smooth-grad';
import { vanillaGradient } from './vanilla-gradient';

type Model = ReturnType<typeof createFailingModel>['classifier'];
type Run = (
  model: Model,
  images: tf.Tensor4D,
  maps: { one: tf.Tensor4D; full: tf.Tensor4D },
) => Promise<unknown>;

// Small settings: the point is the failure path, not the maps.
const METHODS: Record<string, Run> = {
  vanillaGradient: (model, images) => vanillaGradient(model, images),
  gradientTimesInput: (model, images) => gradientTimesInput(model, images),
  smoothGrad: (model, images) => smoothGrad(model, images, { samples: 3 }),
  integratedGradients: (model, images) => integratedGradients(model, images, { numSteps: 4 }),
  gradCam: (model, images) => gradCam(model, images),
  guidedGradCam: (model, images) => guidedGradCam(model, images),
  guidedBackprop: (model, images) => guidedBackprop(model, images),
  deconvnet: (model, images) => deconvnet(model, images),
  deconvnetFeatureView: (model, images) => deconvnetFeatureView(model, images, { layer: 'conv2' }),
  occlusion: (model, images) => occlusion(model, images, { window: 4, stride: 4 }),
  deletionInsertion: (model, images, { one }) => deletionInsertion(model, images, one, { steps: 4 }),
  infidelity: (model, images, { full }) => infidelity(model, images, full, { samples: 3 }),
  sensitivityMax: (model, images) => sensitivityMax(vanillaGradient, model, images, { samples: 2 }),
  sanityCheck: (model, images) => sanityCheck(vanillaGradient, [model, model], images),
};

/** Disposes every tensor in a method's result (a tensor, a record holding one, or plain numbers). */
function disposeResult(value: unknown): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(disposeResult);
}

describeOnBackends('every saliency method when the model throws', () => {
  for (const [name, run] of Object.entries(METHODS)) {
    it(`${name}: rejects with the model's typed error and leaves no tensors, whichever forward pass fails`, async () => {
      const images = tinyImages(2);
      const maps = { one: tf.ones([2, 8, 8, 1]) as tf.Tensor4D, full: tf.ones([2, 8, 8, 3]) as tf.Tensor4D };
      for (const failAt of [1, 2, 3]) {
        const failing = createFailingModel(failAt);
        await expectNoLeak(async () => {
          const outcome = await run(failing.classifier, images, maps).then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          );
          if ('value' in outcome) {
            // The method needed fewer forward passes than failAt.
            expect(failing.calls).toBeLessThan(failAt);
            disposeResult(outcome.value);
          } else {
            expect(outcome.error).toBeInstanceOf(NetlensError);
            expect((outcome.error as Error).message).toMatch(/logits|forward pass/);
          }
        });
        failing.dispose();
      }
      tf.dispose([images, maps.one, maps.full]);
    });
  }
});

describeOnBackends('saliency methods given NaN logits or disposed tensors', () => {
  it("target 'predicted' refuses NaN logits naming the model; an explicit target skips the check", async () => {
    const images = tinyImages(2);
    const maps = { one: tf.ones([2, 8, 8, 1]) as tf.Tensor4D, full: tf.ones([2, 8, 8, 3]) as tf.Tensor4D };
    const nan = createFailingModel(1, 'nan');
    for (const [name, run] of Object.entries(METHODS)) {
      await expectNoLeak(async () => {
        const error = await run(nan.classifier, images, maps).then(
          (value) => {
            disposeResult(value);
            return undefined;
          },
          (reason: unknown) => reason,
        );
        if (name === 'deconvnetFeatureView') {
          // Explains layer units, never the logits: NaN logits are not its concern.
          expect(error).toBeUndefined();
          return;
        }
        expect(error, name).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument, name).toBe('model');
        expect((error as InvalidArgumentError).received, name).toBe(
          'NaN or ±Infinity in the logits of image 0, 1',
        );
      });
    }
    await expectNoLeak(async () => {
      const map = await vanillaGradient(nan.classifier, images, { target: 1 });
      expect(map.shape).toEqual([2, 8, 8, 1]);
      map.dispose();
    });
    nan.dispose();
    tf.dispose([images, maps.one, maps.full]);
  });

  it('a disposed image or attribution tensor is an error naming it', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(2);
    const disposed = tinyImages(2);
    disposed.dispose();
    const gone = tf.ones([2, 8, 8, 1]) as tf.Tensor4D;
    gone.dispose();
    await expectNoLeak(async () => {
      for (const [promise, argument] of [
        [vanillaGradient(tiny.classifier, disposed), 'images'],
        [integratedGradients(tiny.classifier, disposed), 'images'],
        [gradCam(tiny.classifier, disposed), 'images'],
        [deletionInsertion(tiny.classifier, images, gone, { steps: 2 }), 'attributions'],
      ] as const) {
        const error = await (promise as Promise<unknown>).then(
          () => undefined,
          (reason: unknown) => reason,
        );
        expect(error, argument).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
        expect((error as InvalidArgumentError).received).toBe('a disposed tensor');
      }
    });
    images.dispose();
    tiny.dispose();
  });
});
