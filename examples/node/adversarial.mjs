// A fooling image and an FGSM robustness curve for the bundled MNIST classifier.
//   npm install @netlens/adversarial @netlens/backends @netlens/models @netlens/image @tensorflow/tfjs-core
//   node adversarial.mjs [digit.png] [out-folder]

import { differencePicture, evaluateAttack, fgsm, makeFoolingImage } from '@netlens/adversarial';
import { selectBackend } from '@netlens/backends';
import { grid } from '@netlens/image';
import { readImage, writePng } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';

const input = process.argv[2] ?? new URL('../../packages/models/assets/samples/mnist-3.png', import.meta.url);
const out = process.argv[3] ?? '.';

const backend = await selectBackend('auto');
const model = mnistClassifier();
const digit = await readImage(input, { colorMode: 'grayscale' });

// CS231n's fooling image: push the digit until the model says 8.
const fooled = await makeFoolingImage(model, digit, { target: 8 });
const pictures = await differencePicture(digit, fooled.images); // original, fooled, magnified difference
const sheet = tf.tidy(() => grid(pictures, { columns: 3, padding: 2 }));
await writePng(`${out}/fooling.png`, sheet);

// Foolbox-style evaluation: FGSM's success rate over an ε grid (the digit's true class is its prediction here).
const top = tf.tidy(() => tf.argMax(model.logits(digit), 1));
const [label] = await top.data();
const { results } = await evaluateAttack(model, fgsm, digit, [label], { epsilons: [0, 0.1, 0.2, 0.3] });

tf.dispose([digit, fooled.images, pictures, sheet, top]);
model.dispose();
console.log(
  JSON.stringify({
    backend: backend.name,
    fooledInto: fooled.targets[0],
    success: fooled.success[0],
    iterations: fooled.iterations[0],
    fgsmSuccess: results.map((r) => r.successRate),
    tensors: tf.memory().numTensors,
  }),
);
