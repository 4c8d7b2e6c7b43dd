// CS231n class visualization: what the bundled MNIST classifier thinks each digit looks like.
//   npm install @netlens/classviz @netlens/backends @netlens/models @netlens/image @tensorflow/tfjs-core
//   node classviz.mjs [unused] [out-folder]

import { writeFileSync } from 'node:fs';
import { selectBackend } from '@netlens/backends';
import { createClassVisualization } from '@netlens/classviz';
import { encodeGif, grid } from '@netlens/image';
import { writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';

const out = process.argv[3] ?? '.';
const backend = await selectBackend('auto');
const model = mnistClassifier();

const frames = [];
const digits = Array.from({ length: 10 }, (_, d) => d);
const { image, objectives } = await createClassVisualization(model, digits, {
  seed: 1,
  snapshotEvery: 10,
  onStep: ({ image: snapshot }) => snapshot && frames.push(tf.tidy(() => grid(snapshot, { columns: 10 }))),
});
const sheet = tf.tidy(() => grid(image, { columns: 10, padding: 2 }));
await writePng(`${out}/classviz.png`, sheet);
writeFileSync(`${out}/classviz.gif`, await encodeGif(frames, { delayMs: 150 }));

const probabilities = tf.tidy(() => tf.softmax(model.logits(image)));
const rows = await probabilities.array();
tf.dispose([image, sheet, probabilities, ...frames]);
model.dispose();
console.log(
  JSON.stringify({
    backend: backend.name,
    probabilityOfOwnClass: rows.map((row, d) => Number(row[d].toFixed(3))),
    objectiveRise: digits.map((d) => Number((objectives.at(-1)[d] - objectives[0][d]).toFixed(2))), // objectives[step][image]
    tensors: tf.memory().numTensors,
  }),
);
