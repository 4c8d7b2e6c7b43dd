// Renders the pictures in this package's README with the project's own code: the trained MNIST
// classifier from @netlens/models, this package's algorithms, and @netlens/image.
//
//   npm run build && node packages/classviz/scripts/make-readme-pictures.mjs
//
// Writes to packages/classviz/docs/:
//   mnist-class-visualizations.png  createClassVisualization with its defaults, digits 0–9, with
//                                   the classifier's probability for the digit under each;
//   mnist-conv2-atlas.png           channelAtlas of every channel of the conv2 layer.
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import { channelAtlas, createClassVisualization } from '@netlens/classviz';
import { grid } from '@netlens/image';
import { writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';

await selectBackend('wasm', { readEnvironment: false });
const model = mnistClassifier();
const docs = (name) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));
const upscale = (images, size) => tf.image.resizeNearestNeighbor(images, [size, size]);

const digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const { image } = await createClassVisualization(model, digits, { seed: 0 });
const probabilities = tf.tidy(() => tf.softmax(model.logits(image)));
const rows = await probabilities.array();
const labels = digits.map((digit) => `${digit}: ${rows[digit][digit].toFixed(2)}`);
const classSheet = tf.tidy(() =>
  grid(upscale(image, 84), { columns: 10, padding: 2, background: [1, 1, 1], labels, labelScale: 1 }),
);
await writePng(docs('mnist-class-visualizations.png'), classSheet);
console.log(`wrote ${docs('mnist-class-visualizations.png')} (${labels.join(', ')})`);

// Post-ReLU channels that are zero on a flat grey start get no gradient, so the atlas starts from
// more spectral noise than Lucid's 0.01.
const atlas = await channelAtlas(model, 'conv2', { numSteps: 256, standardDeviation: 0.5, seed: 0 });
const atlasLabels = Array.from({ length: atlas.images.shape[0] }, (_, channel) => `${channel}`);
const atlasSheet = tf.tidy(() =>
  grid(upscale(atlas.images, 56), {
    columns: 8,
    padding: 2,
    background: [1, 1, 1],
    labels: atlasLabels,
    labelScale: 1,
  }),
);
await writePng(docs('mnist-conv2-atlas.png'), atlasSheet);
console.log(`wrote ${docs('mnist-conv2-atlas.png')}`);
tf.dispose([image, probabilities, classSheet, atlas.images, atlasSheet]);
model.dispose();
