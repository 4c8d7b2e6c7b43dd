// Caption a strip of handwritten digits with the bundled LSTM captioner, and explain one word.
//   npm install @netlens/captioning @netlens/saliency @netlens/backends @netlens/models @tensorflow/tfjs-core
//   node captioning.mjs [unused] [out-folder]
import { selectBackend } from '@netlens/backends';
import {
  captionWordScore,
  digitStripClassifier,
  digitStripFeatures,
  MNIST_CAPTIONER_INFO,
  mnistCaptioner,
} from '@netlens/captioning';
import { readImage } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import { integratedGradients } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';

const backend = await selectBackend('auto');
const samples = new URL('../../packages/models/assets/samples/', import.meta.url);
const digits = await Promise.all(
  [4, 2].map((d) => readImage(new URL(`mnist-${d}.png`, samples), { colorMode: 'grayscale' })),
);
const blank = tf.zeros([1, 28, 28, 1]);
const strip = tf.concat([blank, digits[0], blank, digits[1]], 2); // [1, 28, 112, 1]: _ 4 _ 2

const cnn = mnistClassifier();
const captioner = mnistCaptioner();
const layers = [...MNIST_CAPTIONER_INFO.featureLayers];
const features = digitStripFeatures(cnn, strip, { layers });
const [ids] = await captioner.sample(features);
const caption = captioner.vocabulary.decode(ids);

// Which pixels made it say the first word? Integrated Gradients of that word's log-probability.
const words = ids.slice(0, caption.split(' ').length);
const scoreFn = captionWordScore(
  captioner,
  (images) => digitStripFeatures(cnn, images, { layers }),
  words,
  0,
);
const { attributions } = await integratedGradients(digitStripClassifier(cnn), strip, {
  scoreFn,
  numSteps: 32,
});
const perSlot = tf.tidy(() => tf.sum(tf.abs(tf.reshape(attributions, [28, 4, 28])), [0, 2]));
const slotShare = Array.from(await perSlot.data());

tf.dispose([...digits, blank, strip, features, attributions, perSlot]);
captioner.dispose();
cnn.dispose();
console.log(
  JSON.stringify({
    backend: backend.name,
    caption,
    firstWordAttributionPerSlot: slotShare.map((v) => Number(v.toFixed(3))),
    tensors: tf.memory().numTensors,
  }),
);
