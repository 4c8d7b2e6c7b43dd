import {
  fromFunction,
  fromGraphModel,
  fromLayersModel,
  type ImageClassifier,
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
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sampleDigits } from './__fixtures__/mnist-digits';
import { deconvnetFeatureView } from './deconvnet-feature-view';

// conv 3×3 valid (2 → 3) → relu → maxPool 2 → conv 2×2 valid (3 → 4) → relu, on 8×8×2 images:
// relu1 is 6×6×3, pool1 3×3×3, relu2 2×2×4. Without the pool (`pool: false`, pool1 = relu1), relu2
// is 5×5×4 and relu1 has negative pre-activations that receive signal, where the deconvnet rule
// differs from both the plain gradient and guided backpropagation.
const [N, H, W, C] = [2, 8, 8, 2];
const [K1, K2] = [3, 4];

/** The hand-built net with its weights as plain arrays, for the explicit reference. */
function createNet(seed = 1, w2Override?: Float32Array, pool = true) {
  const w1Values = seededValues(3 * 3 * C * K1, seed, -0.5, 0.5);
  // With the pool, positive biases keep every relu1 window's maximum unique (no 0 ties).
  const b1Values = pool ? [1.2, 1, 1.4] : [0, -0.2, 0.1];
  const side = pool ? 2 : 5;
  const w2Values = w2Override ?? seededValues(2 * 2 * K1 * K2, seed + 1, -0.5, 0.5);
  const b2Values = [-0.1, 0.05, 0, 0.1];
  const w1 = tf.tensor4d(w1Values, [3, 3, C, K1]);
  const b1 = tf.tensor1d(b1Values);
  const w2 = tf.tensor4d(w2Values, [2, 2, K1, K2]);
  const b2 = tf.tensor1d(b2Values);
  const head = tf.tensor2d(seededValues(side * side * K2 * 3, seed + 2, -1, 1), [side * side * K2, 3]);
  const names = ['conv1', 'relu1', 'pool1', 'conv2', 'relu2'] as const;
  const run = (
    x: tf.Tensor4D,
    outputs: readonly string[],
    interventions: Readonly<Record<string, (a: tf.Tensor) => tf.Tensor>>,
  ) => {
    const taken: Record<string, tf.Tensor> = {};
    const tap = (name: string, value: tf.Tensor) => {
      const intervene = interventions[name];
      taken[name] = intervene ? intervene(value) : value;
      return taken[name] as tf.Tensor;
    };
    let h = tap('conv1', tf.add(tf.conv2d(x, w1, 1, 'valid'), b1));
    h = tap('relu1', tf.relu(h));
    h = tap('pool1', pool ? tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid') : h);
    h = tap('conv2', tf.add(tf.conv2d(h as tf.Tensor4D, w2, 1, 'valid'), b2));
    h = tap('relu2', tf.relu(h));
    const logits = tf.matMul(tf.reshape(h, [x.shape[0], -1]), head) as tf.Tensor2D;
    return { logits, activations: outputs.map((name) => taken[name] as tf.Tensor) };
  };
  const classifier = fromFunction((x) => run(x, [], {}).logits, {
    inputShape: [H, W, C],
    numClasses: 3,
    layers: { names, run },
  });
  return { classifier, pool, w1, w2, w2Values, dispose: () => tf.dispose([w1, b1, w2, b2, head]) };
}

/** Indices of the `k` largest of `values` among `candidates` (flat indices), largest first. */
function topIndices(values: Float32Array, k: number, candidates: (index: number) => boolean): number[] {
  return Array.from(values.keys())
    .filter(candidates)
    .sort((a, b) => (values[b] as number) - (values[a] as number))
    .slice(0, k);
}

/**
 * Zeiler and Fergus' projection written out: keep the chosen units of `layer` ('relu2' or
 * 'pool1'), rectify, transposed conv2, unpool through the switches of each 2×2 window of relu1
 * (found here by scanning), rectify (`rectify: false` skips it, for a plain-backprop contrast),
 * transposed conv1.
 */
async function explicitProjection(
  net: ReturnType<typeof createNet>,
  images: tf.Tensor4D,
  layer: 'relu2' | 'pool1',
  topK: number,
  channel?: number,
  rectify = true,
): Promise<tf.Tensor4D> {
  const [relu1, pool1, relu2] = net.classifier.activations!(images, ['relu1', 'pool1', 'relu2']) as [
    tf.Tensor4D,
    tf.Tensor4D,
    tf.Tensor4D,
  ];
  const chosen = layer === 'relu2' ? relu2 : pool1;
  const values = (await chosen.data()) as Float32Array;
  const r1 = (await relu1.data()) as Float32Array;
  const [, h, w, k] = chosen.shape;
  const perImage = h * w * k;
  const signal = new Float32Array(values.length);
  for (let n = 0; n < N; n++) {
    const slice = values.subarray(n * perImage, (n + 1) * perImage);
    const keep = topIndices(slice, topK, (index) => channel === undefined || index % k === channel);
    for (const index of keep) signal[n * perImage + index] = slice[index] as number;
  }
  const relu = (array: Float32Array) => (rectify ? array.map((v) => Math.max(v, 0)) : array);
  let atPool1: Float32Array;
  if (layer === 'relu2') {
    const back = tf.tidy(() =>
      tf.conv2dTranspose(tf.tensor4d(relu(signal), relu2.shape), net.w2, pool1.shape, 1, 'valid'),
    );
    atPool1 = (await back.data()) as Float32Array;
    back.dispose();
  } else {
    atPool1 = signal;
  }
  // Unpooling: each pooled value goes back to where its window's maximum was.
  const unpooled = net.pool ? new Float32Array(N * 6 * 6 * K1) : atPool1;
  const at = (n: number, y: number, x: number, c: number) => ((n * 6 + y) * 6 + x) * K1 + c;
  for (let n = 0; n < N && net.pool; n++) {
    for (let py = 0; py < 3; py++) {
      for (let px = 0; px < 3; px++) {
        for (let c = 0; c < K1; c++) {
          let best = at(n, 2 * py, 2 * px, c);
          for (const [dy, dx] of [
            [0, 1],
            [1, 0],
            [1, 1],
          ] as const) {
            const index = at(n, 2 * py + dy, 2 * px + dx, c);
            if ((r1[index] as number) > (r1[best] as number)) best = index;
          }
          unpooled[best] = atPool1[((n * 3 + py) * 3 + px) * K1 + c] as number;
        }
      }
    }
  }
  const result = tf.tidy(() =>
    tf.conv2dTranspose(tf.tensor4d(relu(unpooled), relu1.shape), net.w1, [N, H, W, C], 1, 'valid'),
  );
  tf.dispose([relu1, pool1, relu2]);
  return result;
}

/** Every 2×2 window of relu1 has one strict maximum, so the switches are the same on every backend. */
async function expectUniqueSwitches(classifier: ImageClassifier, images: tf.Tensor4D) {
  const [relu1] = classifier.activations!(images, ['relu1']) as [tf.Tensor];
  const values = (await relu1.array()) as number[][][][];
  relu1.dispose();
  for (const image of values) {
    for (let y = 0; y < 6; y += 2) {
      for (let x = 0; x < 6; x += 2) {
        for (let c = 0; c < K1; c++) {
          const window = [
            image[y]![x]![c]!,
            image[y]![x + 1]![c]!,
            image[y + 1]![x]![c]!,
            image[y + 1]![x + 1]![c]!,
          ];
          const max = Math.max(...window);
          expect(window.filter((v) => v === max)).toHaveLength(1);
        }
      }
    }
  }
}

const maxAbsDifference = async (a: tf.Tensor, b: tf.Tensor) => {
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const [value] = await difference.data();
  difference.dispose();
  return value as number;
};

describeOnBackends('deconvnetFeatureView', () => {
  it('equals an explicit unpool-with-switches, ReLU, transposed-convolution projection', async () => {
    const net = createNet();
    const images = tf.tensor4d(seededValues(N * H * W * C, 5, 0, 1), [N, H, W, C]);
    await expectUniqueSwitches(net.classifier, images);
    const cases: ['relu2' | 'pool1', number, number | undefined][] = [
      ['relu2', 1, undefined],
      ['relu2', 3, undefined],
      ['relu2', 2, 1],
      ['pool1', 4, undefined],
      ['pool1', 2, 2],
    ];
    await expectNoLeak(async () => {
      for (const [layer, topK, channel] of cases) {
        const view = await deconvnetFeatureView(net.classifier, images, {
          layer,
          topK,
          ...(channel === undefined ? {} : { channel }),
        });
        expect(view.shape).toEqual([N, H, W, C]);
        const expected = await explicitProjection(net, images, layer, topK, channel);
        await expectTensorsClose(view, expected);
        if (layer === 'relu2') {
          // The rectification after conv2's transpose matters: without it the projection differs.
          const unrectified = await explicitProjection(net, images, layer, topK, channel, false);
          expect(await maxAbsDifference(expected, unrectified)).toBeGreaterThan(1e-2);
          unrectified.dispose();
        }
        tf.dispose([view, expected]);
      }
      const reduced = await deconvnetFeatureView(net.classifier, images, {
        layer: 'relu2',
        topK: 3,
        abs: true,
        channelReduction: 'sum',
      });
      const full = await deconvnetFeatureView(net.classifier, images, { layer: 'relu2', topK: 3 });
      const expectedReduced = tf.tidy(() => tf.sum(tf.abs(full), 3, true));
      await expectTensorsClose(reduced, expectedReduced);
      tf.dispose([reduced, full, expectedReduced]);
    });
    images.dispose();
    net.dispose();
  });

  it('rectifies the backward signal at a ReLU that is not followed by a pool (deconvnet, not guided or plain)', async () => {
    const net = createNet(1, undefined, false);
    const images = tf.tensor4d(seededValues(N * H * W * C, 5, 0, 1), [N, H, W, C]);
    await expectNoLeak(async () => {
      const view = await deconvnetFeatureView(net.classifier, images, { layer: 'relu2', topK: 6 });
      const expected = await explicitProjection(net, images, 'relu2', 6);
      await expectTensorsClose(view, expected);
      // The plain gradient of the same signal gates relu1 by its forward sign instead.
      const [relu2] = net.classifier.activations!(images, ['relu2']) as [tf.Tensor];
      const unrectified = await explicitProjection(net, images, 'relu2', 6, undefined, false);
      const values = await relu2.data();
      const threshold = Array.from(
        { length: N },
        (_, n) => Array.from(values.subarray(n * 100, (n + 1) * 100)).sort((p, q) => q - p)[5] as number,
      );
      const mask = tf.tensor4d(
        Array.from(values, (value, index) =>
          value >= (threshold[Math.floor(index / 100)] as number) ? value : 0,
        ),
        relu2.shape as [number, number, number, number],
      );
      const plain = tf.grad((x: tf.Tensor) =>
        tf.sum(tf.mul(mask, net.classifier.activations!(x as tf.Tensor4D, ['relu2'])[0] as tf.Tensor)),
      )(images);
      expect(await maxAbsDifference(view, plain)).toBeGreaterThan(1e-2);
      expect(await maxAbsDifference(expected, unrectified)).toBeGreaterThan(1e-2);
      tf.dispose([view, expected, relu2, unrectified, mask, plain]);
    });
    images.dispose();
    net.dispose();
  });

  it('gets nothing from the zeroed units: filters of other channels do not change a one-channel view', async () => {
    const net = createNet();
    // The same network with conv2's filters of channels 0, 2 and 3 replaced by other numbers.
    const changed = Float32Array.from(net.w2Values, (value, index) =>
      index % K2 === 1 ? value : -1.3 * value,
    );
    const other = createNet(1, changed);
    const images = tf.tensor4d(seededValues(N * H * W * C, 5, 0, 1), [N, H, W, C]);
    await expectNoLeak(async () => {
      const options = { layer: 'relu2', channel: 1, topK: 2 };
      const single = await deconvnetFeatureView(net.classifier, images, options);
      const singleOther = await deconvnetFeatureView(other.classifier, images, options);
      await expectTensorsClose(singleOther, single);
      // Where the other channels' units are kept, their filters do matter.
      const all = await deconvnetFeatureView(net.classifier, images, { layer: 'relu2', topK: 4 });
      const allOther = await deconvnetFeatureView(other.classifier, images, { layer: 'relu2', topK: 4 });
      expect(await maxAbsDifference(all, allOther)).toBeGreaterThan(1e-2);
      tf.dispose([single, singleOther, all, allOther]);
    });
    images.dispose();
    net.dispose();
    other.dispose();
  });

  it('gives the same views on the fromFunction, tfjs-layers and GraphModel versions of the tiny net', async () => {
    const convNet = createTinyConvNet();
    const layersModel = createTinyLayersModel();
    const graphModel = createTinyGraphModel();
    const images = tinyImages(2, 3);
    const original = tf.getGradient('Relu');
    await expectNoLeak(async () => {
      const asFunction = await deconvnetFeatureView(convNet.classifier, images, { layer: 'relu2', topK: 3 });
      const asLayers = await deconvnetFeatureView(fromLayersModel(layersModel), images, {
        layer: 'conv2',
        topK: 3,
      });
      const asGraph = await deconvnetFeatureView(fromGraphModel(graphModel), images, {
        layer: 'relu2',
        topK: 3,
      });
      await expectTensorsClose(asLayers, asFunction);
      await expectTensorsClose(asGraph, asFunction);
      const zeros = tf.zerosLike(asFunction);
      expect(await maxAbsDifference(asFunction, zeros)).toBeGreaterThan(1e-3);
      const pooled = await deconvnetFeatureView(fromLayersModel(layersModel), images, {
        layer: 'pool1',
        channel: 2,
      });
      const pooledGraph = await deconvnetFeatureView(fromGraphModel(graphModel), images, {
        layer: 'pool1',
        channel: 2,
      });
      await expectTensorsClose(pooled, pooledGraph);
      tf.dispose([asFunction, asLayers, asGraph, zeros, pooled, pooledGraph]);
    });
    expect(tf.getGradient('Relu')).toBe(original);
    images.dispose();
    convNet.dispose();
    layersModel.dispose();
    graphModel.dispose();
  });

  it('rejects bad options and images with typed errors and no leaked tensors', async () => {
    const net = createNet();
    const images = tf.tensor4d(seededValues(N * H * W * C, 5, 0, 1), [N, H, W, C]);
    const nan = tf.tensor4d([Number.NaN, ...new Array(H * W * C - 1).fill(0)], [1, H, W, C]);
    const cases: [string, tf.Tensor, object | undefined][] = [
      ['options.layer', images, undefined],
      ['options.layer', images, { layer: 'conv3' }],
      ['options.topK', images, { layer: 'relu2', topK: 0 }],
      ['options.topK', images, { layer: 'relu2', topK: 1.5 }],
      ['options.topK', images, { layer: 'relu2', topK: 17 }],
      ['options.topK', images, { layer: 'relu2', topK: 5, channel: 0 }],
      ['options.channel', images, { layer: 'relu2', channel: 4 }],
      ['options.channel', images, { layer: 'pool1', channel: -1 }],
      ['options.abs', images, { layer: 'relu2', abs: 'yes' }],
      ['options.channelReduction', images, { layer: 'relu2', channelReduction: 'mean' }],
      ['images', nan, { layer: 'relu2' }],
    ];
    for (const [argument, input, options] of cases) {
      await expectNoLeak(async () => {
        const error = await deconvnetFeatureView(
          net.classifier,
          input as tf.Tensor4D,
          options as never,
        ).catch((caught) => caught);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      });
    }
    const withoutLayers = fromFunction(
      (x) => tf.slice(tf.reshape(x, [x.shape[0], -1]), [0, 0], [-1, 3]) as tf.Tensor2D,
      {
        inputShape: [H, W, C],
        numClasses: 3,
      },
    );
    const error = await deconvnetFeatureView(withoutLayers, images, { layer: 'relu2' }).catch(
      (caught) => caught,
    );
    expect(error).toBeInstanceOf(NetlensError);
    expect((error as NetlensError).code).toBe('UNSUPPORTED_MODEL');
    tf.dispose([images, nan]);
    net.dispose();
  });
});

describeOnBackends('deconvnetFeatureView on the MNIST classifier', () => {
  let classifier: ReturnType<typeof mnistClassifier>;
  beforeAll(() => {
    classifier = mnistClassifier();
  });
  afterAll(() => classifier.dispose());

  it("projects conv2's strongest unit into exactly its 8×8 receptive field", async () => {
    const digits = tf.tidy(() =>
      tf.slice(tf.tensor4d(sampleDigits(), [10, 28, 28, 1]), [2, 0, 0, 0], [3, -1, -1, -1]),
    );
    await expectNoLeak(async () => {
      const view = await deconvnetFeatureView(classifier, digits, { layer: 'conv2' });
      expect(view.shape).toEqual([3, 28, 28, 1]);
      // conv2 is 11×11×32 (valid 3×3 on the 13×13 pool1); unit (i, j) sees input rows 2i…2i+7.
      const [conv2] = classifier.activations!(digits, ['conv2']) as [tf.Tensor];
      const strongest = tf.tidy(() => tf.argMax(tf.reshape(conv2, [3, -1]), 1));
      const units = Array.from(await strongest.data());
      const pixels = (await view.array()) as number[][][][];
      tf.dispose([conv2, strongest]);
      units.forEach((unit, n) => {
        const [i, j] = [Math.floor(unit / 32 / 11), Math.floor(unit / 32) % 11];
        let inside = 0;
        let outside = 0;
        for (const [y, row] of (pixels[n] as number[][][]).entries()) {
          for (const [x, [value]] of row.entries()) {
            const within = y >= 2 * i && y < 2 * i + 8 && x >= 2 * j && x < 2 * j + 8;
            if (within) inside += Math.abs(value as number);
            else outside += Math.abs(value as number);
          }
        }
        expect(outside).toBe(0);
        expect(inside).toBeGreaterThan(0.1);
      });
      view.dispose();
    });
    digits.dispose();
  });
});
