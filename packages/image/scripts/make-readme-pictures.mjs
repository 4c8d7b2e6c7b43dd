// Renders the pictures in this package's README with the package's own functions, from the sample
// photos and digits shipped in @netlens/models (assets/samples).
//
//   npm run build && node packages/image/scripts/make-readme-pictures.mjs
//
// Writes packages/image/docs/colormaps.png (every built-in colormap from 0 to 1) and
// docs/samples.png (the photos; a map to show, here the photo's edge magnitude, through
// normalizeAttribution and applyColormap; the same map as an overlay; the ten digits).
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import {
  applyColormap,
  colormapNames,
  grid,
  normalizeAttribution,
  overlay,
  resize,
  resizeAndCenterCrop,
} from '@netlens/image';
import { readImage, writePng } from '@netlens/image/node';
import * as tf from '@tensorflow/tfjs-core';

await selectBackend('wasm', { readEnvironment: false });
const samples = new URL('../../models/assets/samples/', import.meta.url);
const output = (name) => fileURLToPath(new URL(`../docs/${name}`, import.meta.url));

// Colormaps: a 0 → 1 ramp through each built-in map.
const ramp = tf.tidy(() => tf.tile(tf.reshape(tf.linspace(0, 1, 256), [1, 1, 256]), [1, 20, 1]));
const strips = colormapNames.map((name) => applyColormap(ramp, name));
const colormapSheet = grid(strips, { columns: 2, padding: 4, labels: [...colormapNames] });
await writePng(output('colormaps.png'), colormapSheet);
tf.dispose([ramp, colormapSheet, ...strips]);

// Photos: the input, a map normalised for display, and the map as an overlay.
const names = ['astronaut', 'chelsea', 'coffee', 'rocket'];
const read = await Promise.all(names.map((name) => readImage(new URL(`${name}.png`, samples))));
const photos = tf.tidy(() => resizeAndCenterCrop(tf.concat(read), [192, 192])); // [4, 192, 192, 3]
tf.dispose(read);
// A stand-in for an attribution map (no model involved): the Sobel edge magnitude of each photo.
const edges = tf.tidy(() => {
  const grey = tf.mean(photos, 3, true);
  const sobelX = tf.tensor4d([-1, 0, 1, -2, 0, 2, -1, 0, 1], [3, 3, 1, 1]);
  const sobelY = tf.tensor4d([-1, -2, -1, 0, 0, 0, 1, 2, 1], [3, 3, 1, 1]);
  const gx = tf.conv2d(grey, sobelX, 1, 'valid');
  const gy = tf.conv2d(grey, sobelY, 1, 'valid');
  // 'valid' and a zero border, so the photo's frame does not count as an edge.
  return tf.pad(tf.sqrt(tf.add(tf.square(gx), tf.square(gy))), [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ]);
});
const heat = normalizeAttribution(edges, { percentile: 99 }); // [4, 192, 192, 1] in [0, 1]
const colored = applyColormap(heat, 'viridis');
const blended = overlay(photos, heat, { alpha: 0.5, colormap: 'jet' });
const digits = await Promise.all(
  Array.from({ length: 10 }, (_, digit) => readImage(new URL(`mnist-${digit}.png`, samples))),
);
const digitRow = tf.tidy(() => resize(tf.concat(digits), [36, 36])); // [10, 36, 36, 3]
tf.dispose(digits);
const digitSheet = grid(digitRow, { columns: 5, padding: 2, background: 0 }); // 192 wide: one cell
const labels = [
  ...names,
  ...names.map((name) => `${name} edges`),
  ...names.map(() => 'overlay, alpha 0.5'),
  'mnist-0 ... mnist-9',
];
const sheet = grid([photos, colored, blended, digitSheet], { columns: 4, padding: 4, labels });
await writePng(output('samples.png'), sheet);
tf.dispose([photos, edges, heat, colored, blended, digitRow, digitSheet, sheet]);
console.log(
  `wrote ${output('colormaps.png')} and ${output('samples.png')} (${tf.memory().numTensors} tensors left)`,
);
