// Renders the word-saliency picture in this package's README with the project's own code: strips of
// held-out MNIST digits, the shipped captioner, the MNIST CNN of @netlens/models, @netlens/saliency's
// integrated gradients with a caption word's log-probability as the score, and @netlens/image.
//
//   npx turbo run build --filter=@netlens/captioning... --output-logs=errors-only
//   node packages/captioning/scripts/make-readme-pictures.mjs
//
// Writes packages/captioning/docs/mnist-word-saliency.png (one row per strip: the strip, then the map
// of each digit word and the count word of its generated caption) and prints the captions.
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import {
  captionWordScore,
  digitStripClassifier,
  digitStripFeatures,
  MNIST_CAPTION_MAX_WORDS,
  MNIST_CAPTIONER_INFO,
  mnistCaptionDataset,
  mnistCaptioner,
} from '@netlens/captioning';
import { applyColormap, grid, normalizeAttribution } from '@netlens/image';
import { writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import { integratedGradients } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { mnistPools } from './mnist-pools.mjs';

const STRIPS = [0, 1, 2, 3, 4, 5];
const DIGIT_WORDS = new Set(['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']);

await selectBackend('wasm', { readEnvironment: false });
const { seed, sizes, featureLayers } = MNIST_CAPTIONER_INFO;
const test = mnistCaptionDataset(mnistPools(), { seed, sizes }).test;
const cnn = mnistClassifier();
const stripModel = digitStripClassifier(cnn);
const captioner = mnistCaptioner();
const vocabulary = captioner.vocabulary;
const layers = [...featureLayers];

const pixels = 28 * 112;
const strips = tf.tensor4d(test.images.subarray(0, STRIPS.length * pixels), [STRIPS.length, 28, 112, 1]);
const features = digitStripFeatures(cnn, strips, { layers });
const sampled = await captioner.sample(features, MNIST_CAPTION_MAX_WORDS + 2);
features.dispose();

const cells = [];
const labels = [];
let columns = 0;
const rows = [];
for (const [row, n] of STRIPS.entries()) {
  const ids = sampled[row];
  const caption = vocabulary.decode(ids);
  const words = caption.split(' ');
  console.log(`#${row + 1}: ${caption}\n    reference: ${test.captions[n][0]}`);
  // The caption as the model wrote it, <START> first: position k of `ids` is word k − 1.
  const captionIds = ids.slice(0, words.length);
  const strip = tf.slice(strips, [row, 0, 0, 0], [1, 28, 112, 1]);
  // Explain the count word (first word) and every digit word.
  const explained = words
    .map((word, index) => ({ word, index }))
    .filter(({ word, index }) => index === 0 || (DIGIT_WORDS.has(word) && words[index - 1] !== 'of'));
  const rowCells = [tf.tile(strip, [1, 1, 1, 3])];
  const rowLabels = [`#${row + 1}`];
  for (const { word, index } of explained) {
    const scoreFn = captionWordScore(
      captioner,
      (images) => digitStripFeatures(cnn, images, { layers }),
      captionIds,
      index,
    );
    const { attributions } = await integratedGradients(stripModel, strip, { scoreFn, numSteps: 32 });
    rowCells.push(
      tf.tidy(() =>
        applyColormap(normalizeAttribution(tf.abs(attributions), { signMode: 'abs' }), 'viridis'),
      ),
    );
    rowLabels.push(`"${word}"`);
    attributions.dispose();
  }
  columns = Math.max(columns, rowCells.length);
  rows.push({ rowCells, rowLabels });
  strip.dispose();
}
for (const { rowCells, rowLabels } of rows) {
  while (rowCells.length < columns) {
    rowCells.push(tf.ones([1, 28, 112, 3]));
    rowLabels.push('');
  }
  cells.push(...rowCells);
  labels.push(...rowLabels);
}
const sheet = tf.tidy(() => {
  const upscaled = cells.map((cell) => tf.image.resizeNearestNeighbor(cell, [56, 224]));
  return grid(tf.concat(upscaled), { columns, padding: 4, background: [1, 1, 1], labels, labelScale: 2 });
});
const output = fileURLToPath(new URL('../docs/mnist-word-saliency.png', import.meta.url));
await writePng(output, sheet);
tf.dispose([strips, sheet, ...cells]);
captioner.dispose();
cnn.dispose();
console.log(`wrote ${output}`);
