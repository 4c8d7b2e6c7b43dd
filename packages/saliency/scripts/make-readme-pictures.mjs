// Renders the pictures in this package's README with the project's own code: the trained MNIST
// classifier from @netlens/models, the attribution methods of this package, and @netlens/image.
//
//   npm run build && node packages/saliency/scripts/make-readme-pictures.mjs
//
// Writes packages/saliency/docs/mnist-attributions.png (one row per method, one column per digit) and
// docs/untrained-squeezenet-photos.png (the shipped photos through a seeded, untrained SqueezeNet 1.1).
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import { applyColormap, grid, normalizeAttribution } from '@netlens/image';
import { readImage, writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import {
  deconvnet,
  gradCam,
  gradientTimesInput,
  guidedBackprop,
  integratedGradients,
  smoothGrad,
  vanillaGradient,
} from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { seededSqueezeNet } from '../../../bench/lib/squeezenet.mjs';

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

// The shipped photos through SqueezeNet 1.1 with seeded random weights (no pretrained ImageNet
// weights can be downloaded here). Untrained, a faithful explanation has nothing to show; guided
// backprop and deconvnet still draw the photo's edges, the point of Adebayo et al.'s sanity checks.
const photoNames = ['astronaut', 'chelsea', 'coffee', 'rocket'];
const photos = await Promise.all(photoNames.map((name) => readImage(new URL(`${name}.png`, samples))));
const photoBatch = tf.concat(photos);
tf.dispose(photos);
const squeezeNet = seededSqueezeNet();
const photoTarget = 'predicted';
const photoMaps = {
  vanilla: await vanillaGradient(squeezeNet, photoBatch, { target: photoTarget }),
  'grad*in': await gradientTimesInput(squeezeNet, photoBatch, {
    target: photoTarget,
    channelReduction: 'sum',
  }),
  guided: await guidedBackprop(squeezeNet, photoBatch, { target: photoTarget }),
  deconv: await deconvnet(squeezeNet, photoBatch, { target: photoTarget }),
};
const edges = tf.tidy(() => {
  const gray = tf.mean(photoBatch, 3, true);
  const dx = tf.pad(
    tf.abs(
      tf.sub(tf.slice(gray, [0, 0, 1, 0], [-1, -1, -1, -1]), tf.slice(gray, [0, 0, 0, 0], [-1, -1, 223, -1])),
    ),
    [
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
    ],
  );
  const dy = tf.pad(
    tf.abs(
      tf.sub(tf.slice(gray, [0, 1, 0, 0], [-1, -1, -1, -1]), tf.slice(gray, [0, 0, 0, 0], [-1, 223, -1, -1])),
    ),
    [
      [0, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ],
  );
  return tf.add(dx, dy);
});
const edgeValues = await edges.data();
const photoColumns = [tf.clone(photoBatch)];
const photoLabels = ['input'];
const edgeCorrelation = {};
for (const [name, map] of Object.entries(photoMaps)) {
  const reduced = tf.tidy(() => (map.shape[3] === 1 ? tf.abs(map) : tf.max(tf.abs(map), 3, true)));
  const values = await reduced.data();
  edgeCorrelation[name] = photoNames.map((_, n) =>
    spearman(
      values.subarray(n * 224 * 224, (n + 1) * 224 * 224),
      edgeValues.subarray(n * 224 * 224, (n + 1) * 224 * 224),
    ),
  );
  photoColumns.push(
    tf.tidy(() => applyColormap(normalizeAttribution(reduced, { signMode: 'abs' }), 'viridis')),
  );
  reduced.dispose();
  photoLabels.push(name);
}
// One row per photo, one column per method.
const photoSheet = tf.tidy(() => {
  const cells = photoNames.flatMap((_, n) =>
    photoColumns.map((column) => tf.slice(column, [n, 0, 0, 0], [1, -1, -1, -1])),
  );
  const labels = photoNames.flatMap((_, n) => photoLabels.map((label) => (n === 0 ? label : '')));
  const small = cells.map((cell) => tf.image.resizeBilinear(cell, [112, 112]));
  return grid(tf.concat(small), {
    columns: photoColumns.length,
    padding: 2,
    background: [1, 1, 1],
    labels,
    labelScale: 1,
  });
});
const photoOutput = fileURLToPath(new URL('../docs/untrained-squeezenet-photos.png', import.meta.url));
await writePng(photoOutput, photoSheet);
tf.dispose([photoBatch, edges, photoSheet, ...photoColumns, ...Object.values(photoMaps)]);
squeezeNet.dispose();
console.log(`wrote ${photoOutput}`);
console.log(
  'Spearman correlation of |map| with the photo edge magnitude (astronaut, chelsea, coffee, rocket):',
);
for (const [name, values] of Object.entries(edgeCorrelation)) {
  console.log(`  ${name}: ${values.map((value) => value.toFixed(2)).join(', ')}`);
}

/** Spearman rank correlation (average ranks for ties). */
function spearman(a, b) {
  const ranks = (values) => {
    const order = Array.from(values.keys()).sort((i, j) => values[i] - values[j]);
    const rank = new Float64Array(values.length);
    for (let start = 0; start < order.length; ) {
      let end = start;
      while (end + 1 < order.length && values[order[end + 1]] === values[order[start]]) end++;
      for (let k = start; k <= end; k++) rank[order[k]] = (start + end) / 2;
      start = end + 1;
    }
    return rank;
  };
  const ra = ranks(a);
  const rb = ranks(b);
  const mean = (ra.length - 1) / 2;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < ra.length; i++) {
    num += (ra[i] - mean) * (rb[i] - mean);
    da += (ra[i] - mean) ** 2;
    db += (rb[i] - mean) ** 2;
  }
  return num / Math.sqrt(da * db);
}
