// Trains the LSTM captioner that `mnistCaptioner()` ships, on the MNIST caption dataset (strips of
// 1–4 real MNIST digits, features from the CNN of @netlens/models), and measures its held-out BLEU.
//
// Run from the repository root after building the packages it imports:
//   npx turbo run build --filter=@netlens/captioning... --output-logs=errors-only
//   node packages/captioning/scripts/train-mnist-captioner.mjs
//
// Writes packages/captioning/src/pretrained/mnist-captioner-weights.ts (float16 weights as base64,
// the vocabulary, the dataset settings and the measured BLEU). Everything random is seeded (dataset,
// initial weights, batch order), so a rerun on the same backend reproduces the same weights.

import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import {
  CaptioningModel,
  CaptioningSolver,
  corpusBleu,
  digitStripFeatures,
  MNIST_CAPTION_MAX_WORDS,
  MNIST_CAPTION_WORDS,
  mnistCaptionDataset,
  Vocabulary,
} from '@netlens/captioning';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { mnistPools } from './mnist-pools.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const generatedModule =
  process.env.OUTPUT ?? join(here, '..', 'src', 'pretrained', 'mnist-captioner-weights.ts');

const SEED = 20241124;
const SIZES = { train: 4000, val: 300, test: 500 };
const CELL_TYPE = 'lstm';
const WORDVEC_DIM = 64;
const HIDDEN_DIM = 64;
// The CNN's class probabilities per slot: a linear W_proj reads each slot's digit from them.
const FEATURE_LAYERS = ['softmax'];
// Train on the positional caption of each strip (the reading-order one stays a BLEU reference):
// one caption per strip halves the work of an epoch on this small CPU budget.
const TRAIN_CAPTIONS = [0];
const EPOCHS = Number(process.env.EPOCHS ?? 44);
const BATCH_SIZE = 50;
const LEARNING_RATE = 1e-2;
const LR_DECAY = 0.92;

await selectBackend('wasm', { readEnvironment: false });
console.log(`backend: ${tf.getBackend()}`);
const started = Date.now();

// ---- data ----
const data = mnistCaptionDataset(mnistPools(), { seed: SEED, sizes: SIZES });
const vocabulary = new Vocabulary(MNIST_CAPTION_WORDS);
const cnn = mnistClassifier();

function features(split) {
  const chunks = [];
  for (let start = 0; start < split.shape[0]; start += 500) {
    const count = Math.min(500, split.shape[0] - start);
    const pixels = split.images.subarray(start * 28 * 112, (start + count) * 28 * 112);
    chunks.push(
      tf.tidy(() =>
        digitStripFeatures(cnn, tf.tensor4d(pixels, [count, 28, 112, 1]), { layers: FEATURE_LAYERS }),
      ),
    );
  }
  const all = tf.concat(chunks);
  tf.dispose(chunks);
  return all;
}

// One training row per (strip, caption) pair, as COCO pairs each image with its captions.
function pairs(split, splitFeatures) {
  const rows = [];
  const images = [];
  split.captions.forEach((captions, image) => {
    for (const caption of captions.filter((_, index) => TRAIN_CAPTIONS.includes(index))) {
      rows.push(vocabulary.encode(caption, MNIST_CAPTION_MAX_WORDS));
      images.push(image);
    }
  });
  return tf.tidy(() => ({
    features: tf.gather(splitFeatures, tf.tensor1d(images, 'int32')),
    captions: tf.tensor2d(rows.flat(), [rows.length, MNIST_CAPTION_MAX_WORDS + 2], 'int32'),
  }));
}

const trainFeatures = features(data.train);
const valFeatures = features(data.val);
const testFeatures = features(data.test);
const train = pairs(data.train, trainFeatures);
const val = pairs(data.val, valFeatures);
console.log(`features: ${trainFeatures.shape} in ${((Date.now() - started) / 1000).toFixed(1)} s`);

// ---- model and training ----
const model = new CaptioningModel({
  cellType: CELL_TYPE,
  vocabulary,
  inputDim: trainFeatures.shape[1],
  wordvecDim: WORDVEC_DIM,
  hiddenDim: HIDDEN_DIM,
  seed: SEED,
});
const solver = new CaptioningSolver(
  model,
  {
    trainFeatures: train.features,
    trainCaptions: train.captions,
    valFeatures: val.features,
    valCaptions: val.captions,
  },
  {
    updateRule: 'adam',
    learningRate: LEARNING_RATE,
    lrDecay: LR_DECAY,
    batchSize: BATCH_SIZE,
    numEpochs: EPOCHS,
    seed: SEED,
    onProgress: (progress) => {
      if (progress.iteration % 40 === 0 || progress.valLoss !== undefined) {
        const seconds = ((Date.now() - started) / 1000).toFixed(0);
        const val = progress.valLoss === undefined ? '' : `, val loss ${progress.valLoss.toFixed(4)}`;
        console.log(
          `epoch ${progress.epoch} iteration ${progress.iteration}: loss ${progress.loss.toFixed(4)}${val} (${seconds} s)`,
        );
      }
    },
  },
);
const trainingStarted = Date.now();
const { lossHistory } = await solver.train();
const trainingSeconds = Math.round((Date.now() - trainingStarted) / 1000);

// ---- weights as float16, base64 ----
function float16Bits(value) {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, value);
  const bits = view.getUint32(0);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 112;
  const mantissa = bits & 0x7fffff;
  if (exponent >= 31) return sign | 0x7c00;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - exponent;
    return sign | ((full + (1 << (shift - 1))) >>> shift);
  }
  // Round to nearest; a carry into the exponent is still the right value.
  return (sign | (exponent << 10) | (mantissa >>> 13)) + ((mantissa >>> 12) & 1);
}

const names = ['W_proj', 'b_proj', 'W_embed', 'Wx', 'Wh', 'b', 'W_vocab', 'b_vocab'];
const specs = [];
const halves = [];
for (const name of names) {
  const parameter = model.getParam(name);
  const values = await parameter.data();
  specs.push({ name, shape: parameter.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
  halves.push(Uint16Array.from(values, float16Bits));
}
const total = halves.reduce((sum, part) => sum + part.length, 0);
const packed = new Uint16Array(total);
let offset = 0;
for (const part of halves) {
  packed.set(part, offset);
  offset += part.length;
}

// Evaluate the weights as shipped: load the float16 values back into the model, as mnistCaptioner() does.
const shipped = tf.io.decodeWeights(packed.buffer.slice(0), specs);
for (const [name, value] of Object.entries(shipped)) model.setParam(name, value);
tf.dispose(Object.values(shipped));

// ---- held-out BLEU with greedy decoding ----
async function bleu(split, splitFeatures) {
  const sampled = await model.sample(splitFeatures, MNIST_CAPTION_MAX_WORDS + 2);
  const hypotheses = sampled.map((ids) => vocabulary.decode(ids).split(' ').filter(Boolean));
  const references = split.captions.map((captions) => captions.map((caption) => caption.split(' ')));
  return {
    ...corpusBleu(references, hypotheses),
    examples: hypotheses.slice(0, 5).map((words) => words.join(' ')),
  };
}
const valBleu = await bleu(data.val, valFeatures);
const testBleu = await bleu(data.test, testFeatures);
console.log(`val BLEU-4 ${valBleu.bleu.toFixed(4)}, test BLEU-4 ${testBleu.bleu.toFixed(4)}`);
console.log(testBleu.examples.join('\n'));

const bytes = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
const lines = bytes.toString('base64').match(/.{1,100}/g) ?? [];
const round = (value) => Math.round(value * 10000) / 10000;
const training = {
  seed: SEED,
  sizes: SIZES,
  featureLayers: FEATURE_LAYERS,
  trainCaptions: TRAIN_CAPTIONS,
  epochs: EPOCHS,
  batchSize: BATCH_SIZE,
  learningRate: LEARNING_RATE,
  lrDecay: LR_DECAY,
  backend: tf.getBackend(),
  trainingSeconds,
  finalLoss: round(lossHistory[lossHistory.length - 1] ?? Number.NaN),
  valBleu4: round(valBleu.bleu),
  testBleu4: round(testBleu.bleu),
  testBleuByOrder: testBleu.bleuByOrder.map(round),
  testPrecisions: testBleu.precisions.map(round),
};
writeFileSync(
  generatedModule,
  `// Generated by scripts/train-mnist-captioner.mjs, do not edit.
// The trained MNIST strip captioner: LSTM weights as float16 (base64), its vocabulary, and how it was
// trained and measured, so that mnistCaptioner() needs no network or file access.

/** The model's settings: the {@link CaptioningModel} options it was built with. */
export const MNIST_CAPTIONER_CONFIG = {
  cellType: '${CELL_TYPE}',
  inputDim: ${trainFeatures.shape[1]},
  wordvecDim: ${WORDVEC_DIM},
  hiddenDim: ${HIDDEN_DIM},
  words: ${JSON.stringify(MNIST_CAPTION_WORDS)},
} as const;

/** How the weights were trained and the BLEU they reached (greedy decoding, held-out strips). */
export const MNIST_CAPTIONER_TRAINING = ${JSON.stringify(training, null, 2)} as const;

/** Name, shape and dtype of each weight, in the order they appear in {@link MNIST_CAPTIONER_WEIGHTS_BASE64}. */
export const MNIST_CAPTIONER_WEIGHT_SPECS = ${JSON.stringify(specs)} as const;

/** The weights as little-endian float16, base64-encoded in lines of 100 characters. */
export const MNIST_CAPTIONER_WEIGHTS_BASE64: readonly string[] = [
${lines.map((line) => `  '${line}',`).join('\n')}
];
`,
);
console.log(
  `wrote ${generatedModule} (${bytes.length} bytes of weights) in ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
tf.dispose([
  trainFeatures,
  valFeatures,
  testFeatures,
  train.features,
  train.captions,
  val.features,
  val.captions,
]);
model.dispose();
cnn.dispose();
