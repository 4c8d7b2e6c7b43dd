import { loadGraphModelSync } from '@tensorflow/tfjs-converter';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ImageClassifier } from '../contract/image-classifier';
import { fromFunction } from '../from-function';
import { seededValues } from '../seeded-random';

/** Shapes of the tiny test network: 8×8×3 images, two conv blocks, 5 classes. */
export const TINY_INPUT_SHAPE = [8, 8, 3] as const;
export const TINY_NUM_CLASSES = 5;

const SHAPES = {
  conv1: [3, 3, 3, 4],
  bias1: [4],
  conv2: [3, 3, 4, 6],
  bias2: [6],
  dense: [24, 5],
  bias3: [5],
} as const;

type WeightName = keyof typeof SHAPES;

/** Seeded weights of the tiny network as flat arrays (the same numbers for every model flavour). */
export function tinyWeights(seed = 1): Record<WeightName, Float32Array> {
  const entries = Object.entries(SHAPES).map(([name, shape], index) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 1 ? 4 : size / (shape.at(-1) as number);
    const limit = shape.length === 1 ? 0.1 : Math.sqrt(6 / fanIn);
    return [name, seededValues(size, seed * 1000 + index, -limit, limit)] as const;
  });
  return Object.fromEntries(entries) as Record<WeightName, Float32Array>;
}

/** A seeded `[n, 8, 8, 3]` batch of pixels in `[0, 1]`. */
export function tinyImages(n: number, seed = 7): tf.Tensor4D {
  return tf.tensor4d(seededValues(n * 8 * 8 * 3, seed, 0, 1), [n, ...TINY_INPUT_SHAPE]);
}

/**
 * The tiny network as raw tfjs ops wrapped by `fromFunction`: conv 3×3 (4) → relu → maxPool 2 →
 * conv 3×3 (6) → relu → maxPool 2 → flatten → dense 5. Layers `conv1 relu1 pool1 conv2 relu2 pool2`
 * are tappable. The caller disposes the returned weights with `dispose()`.
 */
export function createTinyConvNet(seed = 1): { classifier: ImageClassifier; dispose(): void } {
  const raw = tinyWeights(seed);
  const w = Object.fromEntries(
    Object.entries(raw).map(([name, values]) => [name, tf.tensor(values, [...SHAPES[name as WeightName]])]),
  ) as Record<WeightName, tf.Tensor>;
  const names = ['conv1', 'relu1', 'pool1', 'conv2', 'relu2', 'pool2'] as const;
  const run = (
    x: tf.Tensor4D,
    outputs: readonly string[],
    interventions: Readonly<Record<string, (a: tf.Tensor) => tf.Tensor>>,
  ) => {
    const taken: Record<string, tf.Tensor> = {};
    const tap = (name: string, value: tf.Tensor) => {
      const result = interventions[name]
        ? (interventions[name] as (a: tf.Tensor) => tf.Tensor)(value)
        : value;
      taken[name] = result;
      return result;
    };
    let h: tf.Tensor = tap('conv1', tf.add(tf.conv2d(x, w.conv1 as tf.Tensor4D, 1, 'same'), w.bias1));
    h = tap('relu1', tf.relu(h));
    h = tap('pool1', tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'));
    h = tap('conv2', tf.add(tf.conv2d(h as tf.Tensor4D, w.conv2 as tf.Tensor4D, 1, 'same'), w.bias2));
    h = tap('relu2', tf.relu(h));
    h = tap('pool2', tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid'));
    const logits = tf.add(
      tf.matMul(tf.reshape(h, [x.shape[0], 24]), w.dense as tf.Tensor2D),
      w.bias3,
    ) as tf.Tensor2D;
    return { logits, activations: outputs.map((name) => taken[name] as tf.Tensor) };
  };
  const classifier = fromFunction((x) => run(x, [], {}).logits, {
    inputShape: TINY_INPUT_SHAPE,
    numClasses: TINY_NUM_CLASSES,
    classNames: ['zero', 'one', 'two', 'three', 'four'],
    layers: { names, run },
  });
  return { classifier, dispose: () => tf.dispose(Object.values(w)) };
}

/**
 * The same network as a tfjs-layers `Sequential` ending in `Dense(5, softmax)` (the adapters must
 * strip it). Dispose with `model.dispose()`.
 */
export function createTinyLayersModel(seed = 1): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [...TINY_INPUT_SHAPE],
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        name: 'conv1',
      }),
      tfl.layers.activation({ activation: 'relu', name: 'relu1' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', name: 'conv2' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dropout({ rate: 0.5, name: 'dropout' }),
      tfl.layers.dense({ units: TINY_NUM_CLASSES, activation: 'softmax', name: 'probabilities' }),
    ],
  });
  const raw = tinyWeights(seed);
  const order: WeightName[] = ['conv1', 'bias1', 'conv2', 'bias2', 'dense', 'bias3'];
  model.setWeights(order.map((name) => tf.tensor(raw[name], [...SHAPES[name]])));
  return model;
}

const attrInts = (values: number[]) => ({ list: { i: values.map(String) } });
const attrString = (value: string) => ({ s: btoa(value) });
const FLOAT = { type: 'DT_FLOAT' };

/**
 * The same network as a converted TensorFlow graph (`Conv2D`, `BiasAdd`, `Relu`, `MaxPool`,
 * `Reshape`, `MatMul`, `Softmax`), loaded with tfjs-converter from memory. Dispose with `model.dispose()`.
 */
export function createTinyGraphModel(seed = 1): ReturnType<typeof loadGraphModelSync> {
  const raw = tinyWeights(seed);
  const constant = (name: string) => ({ name, op: 'Const', attr: { dtype: FLOAT } });
  const conv = (name: string, input: string, filter: string) => ({
    name,
    op: 'Conv2D',
    input: [input, filter],
    attr: {
      T: FLOAT,
      strides: attrInts([1, 1, 1, 1]),
      padding: attrString('SAME'),
      data_format: attrString('NHWC'),
      dilations: attrInts([1, 1, 1, 1]),
    },
  });
  const pool = (name: string, input: string) => ({
    name,
    op: 'MaxPool',
    input: [input],
    attr: {
      T: FLOAT,
      ksize: attrInts([1, 2, 2, 1]),
      strides: attrInts([1, 2, 2, 1]),
      padding: attrString('VALID'),
      data_format: attrString('NHWC'),
    },
  });
  const node = [
    {
      name: 'images',
      op: 'Placeholder',
      attr: {
        dtype: FLOAT,
        shape: { shape: { dim: [{ size: '-1' }, { size: '8' }, { size: '8' }, { size: '3' }] } },
      },
    },
    constant('conv1/kernel'),
    constant('conv1/bias'),
    constant('conv2/kernel'),
    constant('conv2/bias'),
    constant('dense/kernel'),
    constant('dense/bias'),
    constant('flatten/shape'),
    conv('conv1/Conv2D', 'images', 'conv1/kernel'),
    { name: 'conv1/BiasAdd', op: 'BiasAdd', input: ['conv1/Conv2D', 'conv1/bias'], attr: { T: FLOAT } },
    { name: 'relu1', op: 'Relu', input: ['conv1/BiasAdd'], attr: { T: FLOAT } },
    pool('pool1', 'relu1'),
    conv('conv2/Conv2D', 'pool1', 'conv2/kernel'),
    { name: 'conv2/BiasAdd', op: 'BiasAdd', input: ['conv2/Conv2D', 'conv2/bias'], attr: { T: FLOAT } },
    { name: 'relu2', op: 'Relu', input: ['conv2/BiasAdd'], attr: { T: FLOAT } },
    pool('pool2', 'relu2'),
    { name: 'flatten', op: 'Reshape', input: ['pool2', 'flatten/shape'], attr: { T: FLOAT } },
    {
      name: 'dense/MatMul',
      op: 'MatMul',
      input: ['flatten', 'dense/kernel'],
      attr: { T: FLOAT, transpose_a: { b: false }, transpose_b: { b: false } },
    },
    { name: 'dense/BiasAdd', op: 'BiasAdd', input: ['dense/MatMul', 'dense/bias'], attr: { T: FLOAT } },
    { name: 'probabilities', op: 'Softmax', input: ['dense/BiasAdd'], attr: { T: FLOAT } },
  ];
  const specs: { name: string; shape: number[]; dtype: 'float32' | 'int32'; values: ArrayLike<number> }[] = [
    { name: 'conv1/kernel', shape: [...SHAPES.conv1], dtype: 'float32', values: raw.conv1 },
    { name: 'conv1/bias', shape: [...SHAPES.bias1], dtype: 'float32', values: raw.bias1 },
    { name: 'conv2/kernel', shape: [...SHAPES.conv2], dtype: 'float32', values: raw.conv2 },
    { name: 'conv2/bias', shape: [...SHAPES.bias2], dtype: 'float32', values: raw.bias2 },
    { name: 'dense/kernel', shape: [...SHAPES.dense], dtype: 'float32', values: raw.dense },
    { name: 'dense/bias', shape: [...SHAPES.bias3], dtype: 'float32', values: raw.bias3 },
    { name: 'flatten/shape', shape: [2], dtype: 'int32', values: [-1, 24] },
  ];
  const buffers = specs.map(({ dtype, values }) =>
    dtype === 'int32' ? Int32Array.from(values).buffer : Float32Array.from(values).buffer,
  );
  const weightData = tf.io.concatenateArrayBuffers(buffers);
  return loadGraphModelSync(
    tf.io.fromMemorySync({
      modelTopology: { node, versions: { producer: 1 } },
      weightSpecs: specs.map(({ name, shape, dtype }) => ({ name, shape, dtype })),
      weightData,
    }),
  );
}
