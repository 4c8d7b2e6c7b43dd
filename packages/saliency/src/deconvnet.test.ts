import { fromFunction, fromGraphModel, fromLayersModel, InvalidArgumentError } from '@netlens/backends';
import {
  createTinyGraphModel,
  createTinyLayersModel,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { deconvnet } from './deconvnet';
import { guidedBackprop } from './guided-backprop';
import { vanillaGradient } from './vanilla-gradient';

const SHAPE = [2, 2, 3] as const;
const PIXELS = 12;
const HIDDEN = 8;
const CLASSES = 3;

/** x → W1 → relu → W2 → logits, with seeded weights of both signs. */
function createTwoLayerNet() {
  const w1 = tf.tensor2d(seededValues(PIXELS * HIDDEN, 3, -1, 1), [PIXELS, HIDDEN]);
  const w2 = tf.tensor2d(seededValues(HIDDEN * CLASSES, 4, -1, 1), [HIDDEN, CLASSES]);
  const classifier = fromFunction(
    (x) =>
      tf.tidy(
        () => tf.matMul(tf.relu(tf.matMul(tf.reshape(x, [x.shape[0], PIXELS]), w1)), w2) as tf.Tensor2D,
      ),
    { inputShape: SHAPE, numClasses: CLASSES },
  );
  return { classifier, w1, w2, dispose: () => tf.dispose([w1, w2]) };
}

const differs = async (a: tf.Tensor, b: tf.Tensor) => {
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const [value] = await difference.data();
  difference.dispose();
  return (value as number) > 1e-3;
};

describeOnBackends('deconvnet', () => {
  it('equals W1ᵀ · relu(W2ᵀ · e_y) on a two-layer ReLU net, whatever the image', async () => {
    const net = createTwoLayerNet();
    const images = tf.tensor4d(seededValues(3 * PIXELS, 9, 0, 1), [3, ...SHAPE]);
    await expectNoLeak(async () => {
      const targets = [0, 2, 2];
      const map = await deconvnet(net.classifier, images, { target: targets });
      expect(map.shape).toEqual([3, 2, 2, 3]);
      const expected = tf.tidy(() => {
        const dy = tf.matMul(tf.oneHot(tf.tensor1d(targets, 'int32'), CLASSES), net.w2, false, true);
        return tf.reshape(tf.matMul(tf.relu(dy), net.w1, false, true), images.shape);
      });
      await expectTensorsClose(map, expected);
      const summed = await deconvnet(net.classifier, images, { target: targets, channelReduction: 'sum' });
      const expectedSum = tf.tidy(() => tf.sum(expected, 3, true));
      await expectTensorsClose(summed, expectedSum);
      const guided = await guidedBackprop(net.classifier, images, { target: targets });
      expect(await differs(map, guided)).toBe(true);
      tf.dispose([map, expected, summed, expectedSum, guided]);
    });
    images.dispose();
    net.dispose();
  });

  it('gives the same maps on tfjs-layers and GraphModel versions of the tiny net, unlike the plain gradient', async () => {
    const layersModel = createTinyLayersModel();
    const graphModel = createTinyGraphModel();
    const images = tinyImages(2, 3);
    const original = tf.getGradient('Relu');
    await expectNoLeak(async () => {
      const fromLayers = await deconvnet(fromLayersModel(layersModel), images, { target: 'predicted' });
      const fromGraph = await deconvnet(fromGraphModel(graphModel), images, { target: 'predicted' });
      const vanilla = await vanillaGradient(fromGraphModel(graphModel), images, {
        abs: false,
        channelReduction: 'none',
      });
      await expectTensorsClose(fromLayers, fromGraph);
      expect(await differs(vanilla, fromGraph)).toBe(true);
      tf.dispose([fromLayers, fromGraph, vanilla]);
    });
    expect(tf.getGradient('Relu')).toBe(original);
    images.dispose();
    layersModel.dispose();
    graphModel.dispose();
  });

  it('rejects bad input with InvalidArgumentError and no leaked tensors', async () => {
    const net = createTwoLayerNet();
    const cases: [string, () => tf.Tensor, object][] = [
      ['images', () => tf.zeros([1, 2, 2, 1]), {}],
      ['images', () => tf.tensor4d([Number.NaN, ...new Array(11).fill(0)], [1, 2, 2, 3]), {}],
      ['options.target', () => tf.zeros([2, 2, 2, 3]), { target: [0] }],
      ['options.channelReduction', () => tf.zeros([1, 2, 2, 3]), { channelReduction: 'mean' }],
      ['options.abs', () => tf.zeros([1, 2, 2, 3]), { abs: 1 }],
    ];
    for (const [argument, make, options] of cases) {
      const input = make();
      await expectNoLeak(async () => {
        const error = await deconvnet(net.classifier, input as tf.Tensor4D, options).catch(
          (caught) => caught,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      });
      input.dispose();
    }
    net.dispose();
  });
});
