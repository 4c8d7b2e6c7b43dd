import { fromFunction, fromLayersModel, InvalidArgumentError, NetlensError } from '@netlens/backends';
import {
  createTinyConvNet,
  createTinyLayersModel,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gradCam } from './grad-cam';
import { guidedBackprop } from './guided-backprop';
import { guidedGradCam } from './guided-grad-cam';

describeOnBackends('guidedGradCam', () => {
  it('equals the upsampled Grad-CAM map times the guided backpropagation map (fromFunction)', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(2, 13);
    await expectNoLeak(async () => {
      const target = [4, 1];
      const map = await guidedGradCam(tiny.classifier, images, { target, layer: 'relu2' });
      expect(map.shape).toEqual([2, 8, 8, 3]);
      const cam = await gradCam(tiny.classifier, images, { target, layer: 'relu2' });
      const guided = await guidedBackprop(tiny.classifier, images, { target });
      const expected = tf.mul(cam, guided);
      await expectTensorsClose(map, expected);
      tf.dispose([map, cam, guided, expected]);
    });
    images.dispose();
    tiny.dispose();
  });

  it('reduces the guided map by the same channel reduction, with Grad-CAM++ on a tfjs-layers model', async () => {
    const layersModel = createTinyLayersModel();
    const classifier = fromLayersModel(layersModel);
    const images = tinyImages(2, 5);
    await expectNoLeak(async () => {
      const options = { variant: 'gradcam++' as const, abs: true, channelReduction: 'l2' as const };
      const map = await guidedGradCam(classifier, images, options);
      expect(map.shape).toEqual([2, 8, 8, 1]);
      const cam = await gradCam(classifier, images, { variant: 'gradcam++' });
      const guided = await guidedBackprop(classifier, images, { abs: true, channelReduction: 'l2' });
      const expected = tf.mul(cam, guided);
      await expectTensorsClose(map, expected);
      tf.dispose([map, cam, guided, expected]);
    });
    images.dispose();
    layersModel.dispose();
  });

  it('rejects bad input and models without layer access with typed errors and no leaked tensors', async () => {
    const tiny = createTinyConvNet();
    const cases: [string, () => tf.Tensor, object][] = [
      ['images', () => tf.zeros([1, 8, 8, 1]), {}],
      ['options.target', () => tf.zeros([1, 8, 8, 3]), { target: 5 }],
      ['options.layer', () => tf.zeros([1, 8, 8, 3]), { layer: 'nope' }],
      ['options.channelReduction', () => tf.zeros([1, 8, 8, 3]), { channelReduction: 'mean' }],
      ['options.abs', () => tf.zeros([1, 8, 8, 3]), { abs: 'no' }],
    ];
    for (const [argument, make, options] of cases) {
      const input = make();
      await expectNoLeak(async () => {
        const error = await guidedGradCam(tiny.classifier, input as tf.Tensor4D, options).catch(
          (caught) => caught,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      });
      input.dispose();
    }
    const plain = fromFunction((x) => tiny.classifier.logits(x), { inputShape: [8, 8, 3], numClasses: 5 });
    const images = tinyImages(1);
    await expectNoLeak(async () => {
      const error = await guidedGradCam(plain, images).catch((caught) => caught);
      expect(error).toBeInstanceOf(NetlensError);
      expect((error as NetlensError).code).toBe('UNSUPPORTED_MODEL');
    });
    images.dispose();
    tiny.dispose();
  });
});
