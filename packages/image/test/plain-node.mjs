// Proves the built package works from a plain Node ESM script: tfjs-core with the cpu backend,
// no bundler, no vitest, no source conditions. Exits non-zero on any mismatch.
import '@tensorflow/tfjs-backend-cpu';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { applyColormap, detectImageFormat, grid } from '../dist/index.js';
import { decodeImage, encodePng } from '../dist/node.js';

await tf.setBackend('cpu');
const before = tf.memory().numTensors;

// Values on the 8-bit grid survive encode → decode exactly.
const values = Float32Array.from({ length: 4 * 6 * 3 }, (_, i) => ((i * 29) % 256) / 255);
const image = tf.tensor4d(values, [1, 4, 6, 3]);
const png = encodePng(image);
assert.equal(detectImageFormat(png), 'png');
const decoded = decodeImage(png);
assert.deepEqual(decoded.shape, [1, 4, 6, 3]);
assert.deepEqual(Array.from(decoded.dataSync()), Array.from(values));

// The browser-safe entry composes with the codec: viridis(0) is #440154.
const zeros = tf.zeros([1, 2, 2]);
const colored = applyColormap(zeros);
const sheet = grid(colored, { padding: 0 });
const sheetDecoded = decodeImage(encodePng(sheet));
assert.deepEqual(
  Array.from(sheetDecoded.dataSync().slice(0, 3)),
  [0x44 / 255, 0x01 / 255, 0x54 / 255].map(Math.fround),
);

tf.dispose([image, decoded, zeros, colored, sheet, sheetDecoded]);
assert.equal(tf.memory().numTensors, before, 'no tensors leaked');
console.log('plain-node ESM: @netlens/image dist encodes and decodes PNG exactly');
