import {
  fromFunction,
  fromGraphModel,
  fromLayersModel,
  InvalidArgumentError,
  NetlensError,
} from '@netlens/backends';
import {
  createTinyConvNet,
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
import { guidedBackprop } from './guided-backprop';
import { withReluGradientRule } from './internal/relu-rules';
import { vanillaGradient } from './vanilla-gradient';

const SHAPE = [2, 2, 3] as const;
const PIXELS = 12;
const HIDDEN = 8;
const CLASSES = 3;

/** x → W1 → relu (or relu6) → W2 → logits, with seeded weights of both signs. */
function createTwoLayerNet(activation: 'relu' | 'relu6' = 'relu', scale = 1) {
  const w1 = tf.tidy(() =>
    tf.mul(tf.tensor2d(seededValues(PIXELS * HIDDEN, 3, -1, 1), [PIXELS, HIDDEN]), scale),
  ) as tf.Tensor2D;
  const w2 = tf.tensor2d(seededValues(HIDDEN * CLASSES, 4, -1, 1), [HIDDEN, CLASSES]);
  const classifier = fromFunction(
    (x) =>
      tf.tidy(() => {
        const h = tf.matMul(tf.reshape(x, [x.shape[0], PIXELS]), w1);
        return tf.matMul(activation === 'relu' ? tf.relu(h) : tf.relu6(h), w2) as tf.Tensor2D;
      }),
    { inputShape: SHAPE, numClasses: CLASSES },
  );
  return { classifier, w1, w2, dispose: () => tf.dispose([w1, w2]) };
}

/** The guided rule by hand: dx = (dy · [h > 0] · [dy > 0] · [h ≤ 6 for relu6]) · W1ᵀ, dy = e_y · W2ᵀ. */
function handGuided(
  net: ReturnType<typeof createTwoLayerNet>,
  x: tf.Tensor4D,
  targets: number[],
  relu6 = false,
): tf.Tensor {
  return tf.tidy(() => {
    const h = tf.matMul(tf.reshape(x, [x.shape[0], PIXELS]), net.w1);
    const dy = tf.matMul(tf.oneHot(tf.tensor1d(targets, 'int32'), CLASSES), net.w2, false, true);
    let pass = tf.logicalAnd(tf.greater(h, 0), tf.greater(dy, 0));
    if (relu6) pass = tf.logicalAnd(pass, tf.lessEqual(h, 6));
    const dx = tf.matMul(tf.mul(dy, tf.cast(pass, 'float32')), net.w1, false, true);
    return tf.reshape(dx, x.shape);
  });
}

const twoLayerImages = (n: number) => tf.tensor4d(seededValues(n * PIXELS, 9, 0, 1), [n, ...SHAPE]);

describeOnBackends('guidedBackprop', () => {
  it('equals the guided rule computed by hand on a two-layer ReLU net', async () => {
    const net = createTwoLayerNet();
    const images = twoLayerImages(3);
    await expectNoLeak(async () => {
      const targets = [0, 1, 2];
      const map = await guidedBackprop(net.classifier, images, { target: targets });
      expect(map.shape).toEqual([3, 2, 2, 3]);
      const expected = handGuided(net, images, targets);
      await expectTensorsClose(map, expected);
      // The rule matters here: the plain gradient differs.
      const vanilla = await vanillaGradient(net.classifier, images, {
        target: targets,
        abs: false,
        channelReduction: 'none',
      });
      const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(vanilla, expected))));
      expect((await difference.data())[0]).toBeGreaterThan(1e-2);
      tf.dispose([map, expected, vanilla, difference]);
    });
    images.dispose();
    net.dispose();
  });

  it('also blocks x > 6 for Relu6, and reduces channels with abs on request', async () => {
    const net = createTwoLayerNet('relu6', 8);
    const images = twoLayerImages(2);
    await expectNoLeak(async () => {
      const saturated = tf.tidy(() =>
        tf.any(tf.greater(tf.matMul(tf.reshape(images, [2, PIXELS]), net.w1), 6)),
      );
      expect((await saturated.data())[0]).toBe(1);
      const map = await guidedBackprop(net.classifier, images, { target: [1, 2] });
      const expected = handGuided(net, images, [1, 2], true);
      await expectTensorsClose(map, expected);
      const reduced = await guidedBackprop(net.classifier, images, {
        target: [1, 2],
        abs: true,
        channelReduction: 'max',
      });
      const expectedReduced = tf.tidy(() => tf.max(tf.abs(expected), 3, true));
      await expectTensorsClose(reduced, expectedReduced);
      tf.dispose([saturated, map, expected, reduced, expectedReduced]);
    });
    images.dispose();
    net.dispose();
  });

  it('restores the registered Relu gradients after a call and after a throwing call', async () => {
    const net = createTwoLayerNet();
    const images = twoLayerImages(1);
    const original = { relu: tf.getGradient('Relu'), relu6: tf.getGradient('Relu6') };
    await expectNoLeak(async () => {
      const map = await guidedBackprop(net.classifier, images, { target: 0 });
      map.dispose();
      expect(tf.getGradient('Relu')).toBe(original.relu);
      expect(tf.getGradient('Relu6')).toBe(original.relu6);
      const error = await guidedBackprop(net.classifier, images, {
        scoreFn: () => {
          throw new Error('score failed');
        },
      }).catch((caught) => caught);
      expect((error as Error).message).toBe('score failed');
      expect(tf.getGradient('Relu')).toBe(original.relu);
      expect(tf.getGradient('Relu6')).toBe(original.relu6);
      // A plain gradient through relu is the standard one again: dy · [x > 0], negative dy kept.
      const x = tf.tensor1d([-2, -0.5, 0.5, 2]);
      const dy = tf.tensor1d([1, -1, -1, 1]);
      const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu(input), dy)))(x);
      await expectTensorsClose(gradient, [0, 0, -1, 1]);
      tf.dispose([x, dy, gradient]);
    });
    images.dispose();
    net.dispose();
  });

  it('refuses a nested rule scope with a NetlensError and keeps the registry intact', () => {
    const original = tf.getGradient('Relu');
    let caught: unknown;
    try {
      withReluGradientRule('guided', () => withReluGradientRule('deconvnet', () => 0));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NetlensError);
    expect((caught as NetlensError).code).toBe('INVALID_ARGUMENT');
    expect(tf.getGradient('Relu')).toBe(original);
    expect(withReluGradientRule('deconvnet', () => 1)).toBe(1);
    expect(tf.getGradient('Relu')).toBe(original);
  });

  it('gives the same maps for the tiny net as fromFunction, tfjs-layers and GraphModel, unlike the plain gradient', async () => {
    const tiny = createTinyConvNet();
    const layersModel = createTinyLayersModel();
    const graphModel = createTinyGraphModel();
    const images = tinyImages(2, 5);
    await expectNoLeak(async () => {
      const options = { target: [1, 3] };
      const fromLayers = await guidedBackprop(fromLayersModel(layersModel), images, options);
      const fromGraph = await guidedBackprop(fromGraphModel(graphModel), images, options);
      const fromRaw = await guidedBackprop(tiny.classifier, images, options);
      const vanilla = await vanillaGradient(tiny.classifier, images, {
        ...options,
        abs: false,
        channelReduction: 'none',
      });
      await expectTensorsClose(fromLayers, fromGraph);
      await expectTensorsClose(fromRaw, fromGraph);
      const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(vanilla, fromGraph))));
      expect((await difference.data())[0]).toBeGreaterThan(1e-3);
      tf.dispose([fromLayers, fromGraph, fromRaw, vanilla, difference]);
    });
    images.dispose();
    tiny.dispose();
    layersModel.dispose();
    graphModel.dispose();
  });

  it('rejects bad input with InvalidArgumentError and no leaked tensors', async () => {
    const net = createTwoLayerNet();
    const cases: [string, () => tf.Tensor, object][] = [
      ['images', () => tf.zeros([2, 2, 3]), {}],
      ['images', () => tf.fill([1, 2, 2, 3], 1.5), {}],
      ['options.target', () => tf.zeros([2, 2, 2, 3]), { target: 3 }],
      ['options.channelReduction', () => tf.zeros([1, 2, 2, 3]), { channelReduction: 'mean' }],
      ['options.abs', () => tf.zeros([1, 2, 2, 3]), { abs: 'yes' }],
    ];
    for (const [argument, make, options] of cases) {
      const input = make();
      await expectNoLeak(async () => {
        const error = await guidedBackprop(net.classifier, input as tf.Tensor4D, options).catch(
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
