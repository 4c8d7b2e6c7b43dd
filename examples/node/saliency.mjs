// Grad-CAM and Integrated Gradients for a digit, written as PNG heatmaps.
//   npm install @netlens/saliency @netlens/backends @netlens/models @netlens/image @tensorflow/tfjs-core
//   node saliency.mjs [digit.png] [out-folder]
import { selectBackend } from '@netlens/backends';
import { normalizeAttribution, overlay } from '@netlens/image';
import { readImage, writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import { gradCam, integratedGradients } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';

const input = process.argv[2] ?? new URL('../../packages/models/assets/samples/mnist-3.png', import.meta.url);
const out = process.argv[3] ?? '.';

const backend = await selectBackend('auto'); // wasm in plain Node; tfjs-node or WebGPU when present
const model = mnistClassifier();
const digit = await readImage(input, { colorMode: 'grayscale' }); // [1, 28, 28, 1] in [0, 1]

const top = tf.tidy(() => tf.argMax(model.logits(digit), 1));
const [predicted] = await top.data();
const cam = await gradCam(model, digit, { target: 'predicted' }); // last conv layer, upsampled
const { attributions, convergenceDelta } = await integratedGradients(model, digit, { numSteps: 64 });

for (const [name, map] of [
  ['gradcam', cam],
  ['integrated-gradients', attributions],
]) {
  const picture = tf.tidy(() => overlay(digit, normalizeAttribution(map), { colormap: 'jet' }));
  await writePng(`${out}/${name}.png`, picture);
  picture.dispose();
}
tf.dispose([top, cam, attributions, digit]);
model.dispose();
// Σ attributions − (f(x) − f(black)): how far 64 Gauss–Legendre steps are from the exact integral.
console.log(
  JSON.stringify({
    backend: backend.name,
    predicted,
    convergenceDelta: convergenceDelta[0],
    tensors: tf.memory().numTensors,
  }),
);
