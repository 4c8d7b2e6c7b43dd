// Renders the pictures in this package's README with the project's own code: the trained MNIST
// classifier from @netlens/models, the attribution methods of this package, and @netlens/image.
//
//   npm run build && node packages/saliency/scripts/make-readme-pictures.mjs
//
// Writes packages/saliency/docs/mnist-attributions.png: one row per method, one column per digit.
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import { applyColormap, grid, normalizeAttribution } from '@netlens/image';
import { readImage, writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import {
  gradCam,
  gradientTimesInput,
  integratedGradients,
  smoothGrad,
  vanillaGradient,
} from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';

await selectBackend('wasm', { readEnvironment: false });
const samples = new URL('../../models/assets/samples/', import.meta.url);
const digits = await Promise.all(
  Array.from({ length: 10 }, (_, digit) =>
    readImage(new URL(`mnist-${digit}.png`, samples), { colorMode: 'grayscale' }),
  ),
);
const images = tf.concat(digits);
tf.dispose(digits);
const model = mnistClassifier();
const target = 'predicted';

// Keys are the row labels (the bitmap font fits about seven characters under a 56-pixel cell).
const maps = {
  input: tf.clone(images),
  vanilla: await vanillaGradient(model, images, { target }),
  'grad*in': await gradientTimesInput(model, images, { target }),
  smooth: await smoothGrad(model, images, { target, seed: 1 }),
  IG: (await integratedGradients(model, images, { target })).attributions,
  gradcam: await gradCam(model, images, { target }),
};
const rows = [];
const labels = [];
for (const [name, map] of Object.entries(maps)) {
  const picture = tf.tidy(() => {
    if (name === 'input') return tf.tile(map, [1, 1, 1, 3]);
    const signed = name === 'grad*in' || name === 'IG';
    const reduced = map.shape[3] === 1 ? map : tf.sum(map, 3, true);
    const normalised = normalizeAttribution(reduced, { signMode: signed ? 'all' : 'abs' });
    return applyColormap(normalised, signed ? 'bwr' : 'viridis');
  });
  rows.push(picture);
  labels.push(...Array.from({ length: 10 }, (_, digit) => (digit === 0 ? name : '')));
}
const sheet = tf.tidy(() => {
  const upscaled = rows.map((row) => tf.image.resizeNearestNeighbor(row, [56, 56]));
  return grid(tf.concat(upscaled), { columns: 10, padding: 2, background: [1, 1, 1], labels, labelScale: 1 });
});
const output = fileURLToPath(new URL('../docs/mnist-attributions.png', import.meta.url));
await writePng(output, sheet);
tf.dispose([images, sheet, ...rows, ...Object.values(maps)]);
model.dispose();
console.log(`wrote ${output}`);
