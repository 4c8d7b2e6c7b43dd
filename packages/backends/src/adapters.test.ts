import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError, NetlensError } from './errors';
import { fromFunction } from './from-function';
import { fromGraphModel } from './from-graph-model';
import { fromLayersModel } from './from-layers-model';
import {
  checkGradient,
  createTinyConvNet,
  createTinyGraphModel,
  createTinyLayersModel,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
  tinyWeights,
} from './testing/index';
import { assertValidImages } from './validate-images';

describeOnBackends('model adapters', () => {
  it('fromLayersModel and fromGraphModel strip the softmax and agree with the raw-op network', async () => {
    const tiny = createTinyConvNet(3);
    const layersModel = createTinyLayersModel(3);
    const graphModel = createTinyGraphModel(3);
    await expectNoLeak(async () => {
      const images = tinyImages(4);
      const fromLayers = fromLayersModel(layersModel);
      const fromGraph = fromGraphModel(graphModel);
      const reference = tiny.classifier.logits(images);
      const viaLayers = fromLayers.logits(images);
      const viaGraph = fromGraph.logits(images);
      await expectTensorsClose(viaLayers, reference);
      await expectTensorsClose(viaGraph, reference);
      // Logits, not probabilities: some scores are negative and rows do not sum to one.
      const values = Array.from(await reference.data());
      expect(Math.min(...values)).toBeLessThan(0);
      expect(Math.abs(values.reduce((a, b) => a + b, 0) - 4)).toBeGreaterThan(1e-2);
      // The wrapped LayersModel's own output is the softmax of our logits.
      const probabilities = layersModel.predict(images) as tf.Tensor;
      const softmax = tf.softmax(reference);
      await expectTensorsClose(probabilities, softmax);
      tf.dispose([images, reference, viaLayers, viaGraph, probabilities, softmax]);
    });
    tiny.dispose();
    layersModel.dispose();
    graphModel.dispose();
  });

  it('runs LayersModels in inference mode (dropout is off, results repeat)', async () => {
    const model = createTinyLayersModel(5);
    const classifier = fromLayersModel(model);
    await expectNoLeak(async () => {
      const images = tinyImages(2, 11);
      const first = classifier.logits(images);
      const second = classifier.logits(images);
      await expectTensorsClose(first, second, { rtol: 0, atol: 0 });
      tf.dispose([images, first, second]);
    });
    model.dispose();
  });

  // The numeric check uses a small step: ReLU and max-pool kinks lie within 1e-3 of some pixels.
  it('gives the same input gradient through every adapter, equal to a numeric gradient', async () => {
    const tiny = createTinyConvNet(9);
    const layersModel = createTinyLayersModel(9);
    const graphModel = createTinyGraphModel(9);
    const classifiers = [tiny.classifier, fromLayersModel(layersModel), fromGraphModel(graphModel)];
    await expectNoLeak(async () => {
      const images = tinyImages(2, 4);
      const score = (classifier: (typeof classifiers)[number]) => (x: tf.Tensor) =>
        tf.sum(tf.mul(classifier.logits(x as tf.Tensor4D), tf.oneHot([1, 3], 5))) as tf.Scalar;
      const gradients = classifiers.map((classifier) => tf.grad(score(classifier))(images));
      await expectTensorsClose(gradients[1]!, gradients[0]!);
      await expectTensorsClose(gradients[2]!, gradients[0]!);
      const largest = tf.tidy(() => tf.max(tf.abs(gradients[0]!)));
      expect((await largest.data())[0]).toBeGreaterThan(1e-3);
      largest.dispose();
      const one = tf.slice(images, [0, 0, 0, 0], [1, 8, 8, 3]);
      await checkGradient(score(classifiers[0]!), one, { delta: 2e-4 });
      tf.dispose([images, one, ...gradients]);
    });
    tiny.dispose();
    layersModel.dispose();
    graphModel.dispose();
  });

  it('returns tapped activations that match the raw network, for every adapter', async () => {
    const tiny = createTinyConvNet(2);
    const layersModel = createTinyLayersModel(2);
    const graphModel = createTinyGraphModel(2);
    const viaLayers = fromLayersModel(layersModel);
    const viaGraph = fromGraphModel(graphModel);
    expect(viaLayers.layerNames).toEqual([
      'conv1',
      'relu1',
      'pool1',
      'conv2',
      'pool2',
      'flatten',
      'dropout',
      'probabilities',
    ]);
    expect(viaGraph.layerNames).toEqual(expect.arrayContaining(['relu1', 'pool1', 'relu2', 'pool2']));
    await expectNoLeak(async () => {
      const images = tinyImages(3);
      const [rawPool1, rawRelu2] = tiny.classifier.activations!(images, ['pool1', 'relu2']);
      const [layersPool1, layersConv2] = viaLayers.activations!(images, ['pool1', 'conv2']);
      const [graphPool1, graphRelu2] = viaGraph.activations!(images, ['pool1', 'relu2']);
      expect(rawPool1!.shape).toEqual([3, 4, 4, 4]);
      await expectTensorsClose(layersPool1!, rawPool1!);
      await expectTensorsClose(layersConv2!, rawRelu2!);
      await expectTensorsClose(graphPool1!, rawPool1!);
      await expectTensorsClose(graphRelu2!, rawRelu2!);
      tf.dispose([images, rawPool1!, rawRelu2!, layersPool1!, layersConv2!, graphPool1!, graphRelu2!]);
    });
    tiny.dispose();
    layersModel.dispose();
    graphModel.dispose();
  });

  it('applies interventions: zeroing a layer removes its contribution and gradients flow through', async () => {
    const tiny = createTinyConvNet(4);
    const layersModel = createTinyLayersModel(4);
    const graphModel = createTinyGraphModel(4);
    const { dense, bias3 } = tinyWeights(4);
    const cases = [tiny.classifier, fromLayersModel(layersModel), fromGraphModel(graphModel)];
    await expectNoLeak(async () => {
      const images = tinyImages(2);
      for (const classifier of cases) {
        // With pool2 zeroed only the dense bias remains.
        const zeroed = classifier.logitsWithInterventions!(images, { pool2: (a) => tf.zerosLike(a) });
        await expectTensorsClose(zeroed, [...bias3, ...bias3]);
        // An identity intervention changes nothing.
        const viaIdentity = classifier.logitsWithInterventions!(images, { pool2: (a) => a });
        const plain = classifier.logits(images);
        await expectTensorsClose(viaIdentity, plain);
        // d logit_2 / d pool2 is column 2 of the dense kernel, for every image.
        const [activation] = classifier.activations!(images, ['pool2']);
        const gradient = tf.grad((a: tf.Tensor) =>
          tf.sum(tf.slice(classifier.logitsWithInterventions!(images, { pool2: () => a }), [0, 2], [2, 1])),
        )(activation!);
        // The substituted tensor still belongs to the caller afterwards.
        expect(activation!.isDisposed).toBe(false);
        const column = Array.from({ length: 24 }, (_, row) => dense[row * 5 + 2] as number);
        await expectTensorsClose(gradient, [...column, ...column]);
        tf.dispose([zeroed, viaIdentity, plain, activation!, gradient]);
      }
      images.dispose();
    });
    tiny.dispose();
    layersModel.dispose();
    graphModel.dispose();
  });

  it('applies preprocessing inside the differentiable graph', async () => {
    const classifier = fromFunction((x) => tf.reshape(tf.sum(x, [1, 2]), [x.shape[0], 3]) as tf.Tensor2D, {
      inputShape: [2, 2, 3],
      numClasses: 3,
      preprocess: 'imagenet',
    });
    await expectNoLeak(async () => {
      const images = tf.fill([1, 2, 2, 3], 0.5) as tf.Tensor4D;
      const logits = classifier.logits(images);
      const expected = [0, 1, 2].map(
        (c) => (4 * (0.5 - [0.485, 0.456, 0.406][c]!)) / [0.229, 0.224, 0.225][c]!,
      );
      await expectTensorsClose(logits, [expected]);
      const gradient = tf.grad((x: tf.Tensor) => tf.sum(classifier.logits(x as tf.Tensor4D)))(images);
      await expectTensorsClose(gradient, new Array(4).fill([1 / 0.229, 1 / 0.224, 1 / 0.225]));
      tf.dispose([images, logits, gradient]);
    });
  });

  it('rejects bad input with typed errors that name the argument and leave no tensors', async () => {
    const tiny = createTinyConvNet(1);
    const { classifier } = tiny;
    await expectNoLeak(async () => {
      const wrongRank = tf.zeros([8, 8, 3]);
      const wrongChannels = tf.zeros([1, 8, 8, 1]);
      const wrongSize = tf.zeros([1, 9, 8, 3]);
      const ints = tf.zeros([1, 8, 8, 3], 'int32');
      for (const [value, fragment] of [
        [wrongRank, 'rank 3'],
        [wrongChannels, '1 channels'],
        [wrongSize, 'shape [1,9,8,3]'],
        [ints, 'dtype int32'],
      ] as const) {
        const error = catchError(() => classifier.logits(value as tf.Tensor4D));
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe('images');
        expect((error as Error).message).toContain(fragment);
      }
      const images = tf.zeros([1, 8, 8, 3]) as tf.Tensor4D;
      expect(catchError(() => classifier.activations!(images, ['nope']))).toBeInstanceOf(
        InvalidArgumentError,
      );
      tf.dispose([wrongRank, wrongChannels, wrongSize, ints, images]);
    });
    expect(
      catchError(() =>
        fromFunction((x) => x as unknown as tf.Tensor2D, { inputShape: [8, 8, 3], numClasses: 0 }),
      ),
    ).toBeInstanceOf(InvalidArgumentError);
    expect(
      catchError(() =>
        fromFunction((x) => tf.reshape(x, [-1, 192]) as tf.Tensor2D, {
          inputShape: [8, 8, 3],
          numClasses: 2,
          classNames: ['a'],
        }),
      ),
    ).toBeInstanceOf(InvalidArgumentError);
    // A function returning the wrong number of classes is caught, and its tensors are freed.
    const wrong = fromFunction((x) => tf.reshape(x, [-1, 192]) as tf.Tensor2D, {
      inputShape: [8, 8, 3],
      numClasses: 10,
    });
    await expectNoLeak(async () => {
      const images = tf.zeros([2, 8, 8, 3]) as tf.Tensor4D;
      const error = catchError(() => wrong.logits(images));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toContain('[2, 10]');
      images.dispose();
    });
    tiny.dispose();
  });

  it('refuses LayersModels whose softmax it cannot remove', () => {
    const fake = {
      inputs: [{ id: 1, name: 'in', shape: [null, 4, 4, 3] }],
      outputs: [{ id: 2, name: 'out', shape: [null, 4, 4, 2] }],
      layers: [],
    };
    const error = catchError(() => fromLayersModel(fake));
    expect(error).toBeInstanceOf(NetlensError);
    expect((error as InvalidArgumentError).argument).toBe('model');
  });
});

function catchError(body: () => unknown): unknown {
  try {
    const value = body();
    if (value instanceof tf.Tensor) value.dispose();
  } catch (error) {
    return error;
  }
  return undefined;
}

describeOnBackends('assertValidImages', () => {
  it('accepts pixels in [0, 1] and rejects NaN and out-of-range values by name, without leaks', async () => {
    await expectNoLeak(async () => {
      const good = tinyImages(2);
      await assertValidImages(good, [8, 8, 3]);
      const nan = tf.tensor4d([0.5, Number.NaN, 0.2, 0.1], [1, 2, 2, 1]);
      const high = tf.tensor4d([0.5, 1.5, 0.2, 0.1], [1, 2, 2, 1]);
      const empty = tf.zeros([0, 2, 2, 1]);
      const nanError = await assertValidImages(nan, [2, 2, 1], 'inputs').catch((e: unknown) => e);
      expect(nanError).toBeInstanceOf(InvalidArgumentError);
      expect((nanError as InvalidArgumentError).argument).toBe('inputs');
      expect((nanError as Error).message).toContain('NaN');
      const highError = await assertValidImages(high, [2, 2, 1]).catch((e: unknown) => e);
      expect((highError as Error).message).toContain('values in [0.1, 1.5]');
      await expect(assertValidImages(empty, [2, 2, 1])).rejects.toBeInstanceOf(InvalidArgumentError);
      tf.dispose([good, nan, high, empty]);
    });
  });
});
