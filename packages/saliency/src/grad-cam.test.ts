import type { ImageClassifier } from '@netlens/backends';
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
import { defaultCamLayer } from './internal/cam-layer';

interface LayerData {
  shape: [number, number, number, number];
  activation: Float32Array;
  gradient: Float32Array;
}

/** The layer activation and ∂logit[target]/∂activation, from the model directly (no gradCam code). */
async function layerData(
  model: ImageClassifier,
  images: tf.Tensor4D,
  layer: string,
  targets: number[],
): Promise<LayerData> {
  const [activation, gradient] = tf.tidy(() => {
    const [a] = model.activations!(images, [layer]) as [tf.Tensor];
    const mask = tf.oneHot(tf.tensor1d(targets, 'int32'), model.numClasses);
    const g = tf.grad((replacement: tf.Tensor) =>
      tf.sum(tf.mul(model.logitsWithInterventions!(images, { [layer]: () => tf.clone(replacement) }), mask)),
    )(a);
    return [a, g];
  });
  const data = {
    shape: activation.shape as LayerData['shape'],
    activation: (await activation.data()) as Float32Array,
    gradient: (await gradient.data()) as Float32Array,
  };
  tf.dispose([activation, gradient]);
  return data;
}

/** Grad-CAM / Grad-CAM++ maps `[N·h·w]` computed with plain loops from the formulas. */
function handCam(
  { shape, activation, gradient }: LayerData,
  variant: 'gradcam' | 'gradcam++',
  relu: boolean,
) {
  const [n, h, w, k] = shape;
  const at = (image: number, position: number, channel: number) => (image * h * w + position) * k + channel;
  const map = new Float64Array(n * h * w);
  for (let image = 0; image < n; image++) {
    for (let channel = 0; channel < k; channel++) {
      let weight = 0;
      let activationSum = 0;
      for (let p = 0; p < h * w; p++) activationSum += activation[at(image, p, channel)] as number;
      for (let p = 0; p < h * w; p++) {
        const g = gradient[at(image, p, channel)] as number;
        if (variant === 'gradcam') {
          weight += g / (h * w);
        } else if (g !== 0) {
          const alpha = (g * g) / (2 * g * g + activationSum * g * g * g + 1e-7);
          weight += alpha * Math.max(g, 0);
        }
      }
      for (let p = 0; p < h * w; p++) {
        map[image * h * w + p] =
          (map[image * h * w + p] as number) + weight * (activation[at(image, p, channel)] as number);
      }
    }
  }
  return Array.from(map, (value) => (relu ? Math.max(value, 0) : value));
}

describeOnBackends('gradCam', () => {
  it('equals Grad-CAM computed from the activation and its gradient (fromFunction, relu2)', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(3);
    await expectNoLeak(async () => {
      const data = await layerData(tiny.classifier, images, 'relu2', [0, 3, 4]);
      const map = await gradCam(tiny.classifier, images, {
        layer: 'relu2',
        target: [0, 3, 4],
        upsample: false,
      });
      expect(map.shape).toEqual([3, 4, 4, 1]);
      await expectTensorsClose(map, handCam(data, 'gradcam', true));
      map.dispose();
    });
    tf.dispose(images);
    tiny.dispose();
  });

  it('equals Grad-CAM computed by hand on a tfjs-layers model (conv2)', async () => {
    const layersModel = createTinyLayersModel();
    const classifier = fromLayersModel(layersModel);
    const images = tinyImages(2, 11);
    await expectNoLeak(async () => {
      const data = await layerData(classifier, images, 'conv2', [2, 2]);
      const map = await gradCam(classifier, images, { layer: 'conv2', target: 2, upsample: false });
      await expectTensorsClose(map, handCam(data, 'gradcam', true));
      map.dispose();
    });
    images.dispose();
    layersModel.dispose();
  });

  it('matches the Grad-CAM++ closed form', async () => {
    const tiny = createTinyConvNet(2);
    const images = tinyImages(2, 5);
    await expectNoLeak(async () => {
      const data = await layerData(tiny.classifier, images, 'relu2', [1, 4]);
      const map = await gradCam(tiny.classifier, images, {
        layer: 'relu2',
        variant: 'gradcam++',
        target: [1, 4],
        upsample: false,
      });
      await expectTensorsClose(map, handCam(data, 'gradcam++', true));
      map.dispose();
    });
    images.dispose();
    tiny.dispose();
  });

  it('keeps negative values with relu: false', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(2);
    await expectNoLeak(async () => {
      let lowest = 0;
      for (let target = 0; target < 5; target++) {
        const data = await layerData(tiny.classifier, images, 'relu2', [target, target]);
        const map = await gradCam(tiny.classifier, images, {
          layer: 'relu2',
          target,
          relu: false,
          upsample: false,
        });
        const expected = handCam(data, 'gradcam', false);
        await expectTensorsClose(map, expected);
        lowest = Math.min(lowest, ...expected);
        map.dispose();
      }
      expect(lowest).toBeLessThan(0);
    });
    images.dispose();
    tiny.dispose();
  });

  it('chooses the end of the conv stack by default and upsamples to the input size', async () => {
    const tiny = createTinyConvNet();
    const layersModel = createTinyLayersModel();
    const fromLayers = fromLayersModel(layersModel);
    const images = tinyImages(2);
    await expectNoLeak(async () => {
      expect(defaultCamLayer(tiny.classifier as Parameters<typeof defaultCamLayer>[0], images)).toBe('relu2');
      expect(defaultCamLayer(fromLayers as Parameters<typeof defaultCamLayer>[0], images)).toBe('conv2');
      const automatic = await gradCam(tiny.classifier, images, { target: 1 });
      const named = await gradCam(tiny.classifier, images, { target: 1, layer: 'relu2' });
      const coarse = await gradCam(tiny.classifier, images, { target: 1, layer: 'relu2', upsample: false });
      expect(automatic.shape).toEqual([2, 8, 8, 1]);
      await expectTensorsClose(automatic, named);
      const resized = tf.image.resizeBilinear(coarse, [8, 8], false, true);
      await expectTensorsClose(automatic, resized);
      tf.dispose([automatic, named, coarse, resized]);
    });
    images.dispose();
    tiny.dispose();
    layersModel.dispose();
  });

  it('explains a scoreFn through the substituted activation', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(2);
    await expectNoLeak(async () => {
      // Score = logit 3, written as a scoreFn: must equal target 3.
      const viaScore = await gradCam(tiny.classifier, images, {
        layer: 'relu2',
        scoreFn: (model, x) =>
          tf.tidy(() => tf.squeeze(tf.slice(model.logits(x), [0, 3], [-1, 1]), [1]) as tf.Tensor1D),
      });
      const viaTarget = await gradCam(tiny.classifier, images, { layer: 'relu2', target: 3 });
      await expectTensorsClose(viaScore, viaTarget);
      tf.dispose([viaScore, viaTarget]);
    });
    images.dispose();
    tiny.dispose();
  });

  it('rejects bad input with typed errors and no leaks', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(1);
    const noLayers = fromFunction((x) => tf.sum(x, [1, 2]) as tf.Tensor2D, {
      inputShape: [8, 8, 3],
      numClasses: 3,
    });
    await expectNoLeak(async () => {
      const unknown = await gradCam(tiny.classifier, images, { layer: 'conv9' }).catch(
        (error: unknown) => error,
      );
      expect(unknown).toBeInstanceOf(InvalidArgumentError);
      expect(unknown).toMatchObject({ argument: 'options.layer' });
      expect((unknown as Error).message).toContain('relu2');
      const noAccess = await gradCam(noLayers, images).catch((error: unknown) => error);
      expect(noAccess).toBeInstanceOf(NetlensError);
      expect(noAccess).toMatchObject({ code: 'UNSUPPORTED_MODEL' });
      expect((noAccess as Error).message).toMatch(/layer access.*fromLayersModel/);
      await expect(gradCam(tiny.classifier, images, { target: 5 })).rejects.toMatchObject({
        argument: 'options.target',
      });
      await expect(
        gradCam(tiny.classifier, images, { variant: 'gradcam+' as 'gradcam' }),
      ).rejects.toMatchObject({ argument: 'options.variant' });
      const bright = tf.add(images, 1) as tf.Tensor4D;
      await expect(gradCam(tiny.classifier, bright)).rejects.toMatchObject({ argument: 'images' });
      bright.dispose();
    });
    images.dispose();
    tiny.dispose();
  });
});
