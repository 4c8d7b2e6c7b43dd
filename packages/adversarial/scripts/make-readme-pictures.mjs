// Renders the pictures in this package's README with the project's own code: the trained MNIST
// classifier from @netlens/models, the attacks of this package, and @netlens/image.
//
//   npm run build && node packages/adversarial/scripts/make-readme-pictures.mjs
//
// Writes to packages/adversarial/docs/:
// - mnist-fooling-grid.png: row d starts from the sample digit d; column t is the fooling image that
//   the classifier calls t (the diagonal is the untouched digit). Captions: "t:iterations".
// - mnist-differences.png: original, FGSM / PGD / C&W adversarial image and magnified difference.
import { fileURLToPath } from 'node:url';
import { carliniWagnerL2, differencePicture, fgsm, makeFoolingImage, pgd } from '@netlens/adversarial';
import { selectBackend } from '@netlens/backends';
import { grid } from '@netlens/image';
import { readImage, writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
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

// The fooling grid: all 100 (digit, target) pairs in one batch.
const rows = Array.from({ length: 100 }, (_, i) => Math.floor(i / 10));
const targets = Array.from({ length: 100 }, (_, i) => i % 10);
const batch = tf.gather(images, rows);
const fooled = await makeFoolingImage(model, batch, { target: targets });
const captions = fooled.iterations.map((iterations, i) =>
  rows[i] === targets[i] ? `${targets[i]} (in)` : `${targets[i]}:${fooled.success[i] ? iterations : 'x'}`,
);
const sheet = tf.tidy(() =>
  grid(tf.image.resizeNearestNeighbor(tf.tile(fooled.images, [1, 1, 1, 3]), [56, 56]), {
    columns: 10,
    padding: 2,
    background: [1, 1, 1],
    labels: captions,
    labelScale: 1,
  }),
);
const gridPath = fileURLToPath(new URL('../docs/mnist-fooling-grid.png', import.meta.url));
await writePng(gridPath, sheet);
const reached = fooled.success.filter((success, i) => success && rows[i] !== targets[i]).length;
const sorted = fooled.iterations.filter((_, i) => rows[i] !== targets[i]).sort((a, b) => a - b);
console.log(
  `wrote ${gridPath}: ${reached}/90 reach the target, median ${(sorted[44] + sorted[45]) / 2} iterations`,
);
tf.dispose([batch, fooled.images, sheet]);

// Difference pictures for three digits and three attacks.
const few = tf.gather(images, [3, 5, 8]);
const fewLabels = [3, 5, 8];
const attacks = {
  'FGSM .2': await fgsm(model, few, { epsilon: 0.2, labels: fewLabels }),
  'PGD .2': await pgd(model, few, { epsilon: 0.2, stepSize: 0.02, numSteps: 20, labels: fewLabels }),
  'C&W L2': await carliniWagnerL2(model, few, { labels: fewLabels }),
};
const pictures = [];
const pictureLabels = [];
for (const [name, adversarial] of Object.entries(attacks)) {
  const predicted = tf.tidy(() => tf.argMax(model.logits(adversarial), 1));
  const classes = Array.from(await predicted.data());
  predicted.dispose();
  pictures.push(await differencePicture(few, adversarial));
  for (let i = 0; i < 3; i++) pictureLabels.push(`${name}`, `-> ${classes[i]}`, 'diff');
}
const differences = tf.tidy(() =>
  grid(tf.image.resizeNearestNeighbor(tf.tile(tf.concat(pictures), [1, 1, 1, 3]), [56, 56]), {
    columns: 9,
    padding: 2,
    background: [1, 1, 1],
    labels: pictureLabels,
    labelScale: 1,
  }),
);
const differencesPath = fileURLToPath(new URL('../docs/mnist-differences.png', import.meta.url));
await writePng(differencesPath, differences);
console.log(`wrote ${differencesPath}`);
tf.dispose([images, few, differences, ...pictures, ...Object.values(attacks)]);
model.dispose();
