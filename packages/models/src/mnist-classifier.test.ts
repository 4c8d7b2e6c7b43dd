import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MNIST_LAYER_NAMES, mnistClassifier } from './mnist-classifier';

interface MnistDigit {
  length: number;
  raw: number[];
}
interface HeldOut {
  heldOutAccuracy: number;
  heldOut: Record<string, number[]>;
}

const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
const assets = new URL('../assets/mnist/', import.meta.url);
const heldOut = JSON.parse(readFileSync(new URL('heldout.json', assets), 'utf8')) as HeldOut;
const manifest = JSON.parse(readFileSync(new URL('model.json', assets), 'utf8')) as {
  weightsManifest: { weights: tf.io.WeightsManifestEntry[] }[];
};
const weightsBin = readFileSync(new URL('weights.bin', assets));

const REQUIRED_ACCURACY = 0.98;
const PIXELS = 28 * 28;

/** The held-out digits as `{ pixels, labels }`; `perDigit` takes only the first few of each class. */
function heldOutDigits(perDigit = Number.POSITIVE_INFINITY): { pixels: Float32Array; labels: number[] } {
  const labels: number[] = [];
  const rows: number[][] = [];
  for (let digit = 0; digit < 10; digit++) {
    const indices = (heldOut.heldOut[String(digit)] ?? []).slice(0, perDigit);
    for (const index of indices) {
      labels.push(digit);
      rows.push((mnist[digit] as MnistDigit).raw.slice(index * PIXELS, (index + 1) * PIXELS));
    }
  }
  return { pixels: Float32Array.from(rows.flat()), labels };
}

/** The training script's architecture in tfjs-layers, loaded from assets/mnist/weights.bin. */
function referenceModel(): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        inputShape: [28, 28, 1],
        filters: 16,
        kernelSize: 3,
        activation: 'relu',
        name: 'conv1',
      }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }),
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', name: 'conv2' }),
      tfl.layers.maxPooling2d({ poolSize: 2, name: 'pool2' }),
      tfl.layers.flatten({ name: 'flatten' }),
      tfl.layers.dense({ units: 64, activation: 'relu', name: 'dense1' }),
      tfl.layers.dense({ units: 10, name: 'logits' }),
    ],
  });
  const specs = manifest.weightsManifest.flatMap((group) => group.weights);
  const buffer = weightsBin.buffer.slice(
    weightsBin.byteOffset,
    weightsBin.byteOffset + weightsBin.byteLength,
  );
  const named = tf.io.decodeWeights(buffer, specs);
  const ordered = model.weights.map((weight) => {
    const layer = weight.originalName.split('/')[0] as string;
    const kind = weight.originalName.endsWith('kernel') ? 'kernel' : 'bias';
    return named[`${layer}/${kind}`] as tf.Tensor;
  });
  model.setWeights(ordered);
  tf.dispose(Object.values(named));
  return model;
}

describeOnBackends('mnistClassifier', () => {
  let classifier: ReturnType<typeof mnistClassifier>;
  let reference: tfl.Sequential;
  let sample: tf.Tensor4D;
  beforeAll(() => {
    classifier = mnistClassifier();
    reference = referenceModel();
    const { pixels, labels } = heldOutDigits(2);
    sample = tf.tensor4d(pixels, [labels.length, 28, 28, 1]);
  });
  afterAll(() => {
    classifier.dispose();
    reference.dispose();
    sample.dispose();
  });

  it('classifies the held-out digits with at least 98% accuracy', async () => {
    const { pixels, labels } = heldOutDigits();
    expect(labels).toHaveLength(2000);
    let correct = 0;
    const chunk = 250;
    for (let start = 0; start < labels.length; start += chunk) {
      const count = Math.min(chunk, labels.length - start);
      const images = tf.tensor4d(pixels.subarray(start * PIXELS, (start + count) * PIXELS), [
        count,
        28,
        28,
        1,
      ]);
      const predicted = tf.tidy(() => tf.argMax(classifier.logits(images), 1));
      const values = await predicted.data();
      tf.dispose([images, predicted]);
      for (let i = 0; i < count; i++) if (values[i] === labels[start + i]) correct++;
    }
    const accuracy = correct / labels.length;
    expect(accuracy).toBeGreaterThanOrEqual(REQUIRED_ACCURACY);
    // Same weights and digits as the training script measured: only a near-tie between two logits
    // could flip under another backend's rounding.
    expect(Math.abs(accuracy - heldOut.heldOutAccuracy)).toBeLessThanOrEqual(2 / 2000);
    // node-webgpu on a software adapter takes about a minute for the 2,000 digits.
  }, 300_000);

  it('matches the tfjs-layers model built from assets/mnist/weights.bin', async () => {
    const logits = classifier.logits(sample);
    const expected = reference.predict(sample) as tf.Tensor;
    await expectTensorsClose(logits, expected);
    tf.dispose([logits, expected]);
  });

  it('exposes layer activations equal to the reference layers outputs', async () => {
    const activations = classifier.activations?.(sample, MNIST_LAYER_NAMES) ?? [];
    const n = sample.shape[0];
    expect(activations.map((a) => a.shape)).toEqual([
      [n, 26, 26, 16],
      [n, 13, 13, 16],
      [n, 11, 11, 32],
      [n, 5, 5, 32],
      [n, 64],
    ]);
    const tapped = tfl.model({
      inputs: reference.inputs,
      outputs: MNIST_LAYER_NAMES.map((name) => reference.getLayer(name).output as tfl.SymbolicTensor),
    });
    const expected = tapped.predict(sample) as tf.Tensor[];
    for (const [i, activation] of activations.entries()) {
      await expectTensorsClose(activation, expected[i] as tf.Tensor);
    }
    tf.dispose([...activations, ...expected]);
  });

  it('applies interventions: zeroing dense1 leaves only the output bias', async () => {
    const logits = classifier.logitsWithInterventions?.(sample, { dense1: (a) => tf.zerosLike(a) });
    expect(logits).toBeDefined();
    // getWeights() returns the layer's own variable: the reference model disposes it.
    const bias = reference.getLayer('logits').getWeights()[1] as tf.Tensor;
    const expected = tf.tidy(() => tf.tile(tf.expandDims(bias, 0), [sample.shape[0], 1]));
    await expectTensorsClose(logits as tf.Tensor, expected);
    tf.dispose([logits as tf.Tensor, expected]);
  });

  it('leaks no tensors', async () => {
    await expectNoLeak(async () => {
      const own = mnistClassifier();
      const logits = own.logits(sample);
      const activations = own.activations?.(sample, ['conv2']) ?? [];
      const intervened = own.logitsWithInterventions?.(sample, { pool1: (a) => tf.mul(a, 0.5) });
      await logits.data();
      tf.dispose([logits, ...activations, ...(intervened ? [intervened] : [])]);
      own.dispose();
    });
  });

  it('rejects images of the wrong shape with an InvalidArgumentError', () => {
    const rgb = tf.zeros([1, 28, 28, 3]) as tf.Tensor4D;
    expect(() => classifier.logits(rgb)).toThrow(InvalidArgumentError);
    rgb.dispose();
  });
});
