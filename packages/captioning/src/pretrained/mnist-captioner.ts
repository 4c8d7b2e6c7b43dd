import * as tf from '@tensorflow/tfjs-core';
import { CaptioningModel } from '../captioning-model';
import { Vocabulary } from '../vocabulary';
import {
  MNIST_CAPTIONER_CONFIG,
  MNIST_CAPTIONER_TRAINING,
  MNIST_CAPTIONER_WEIGHT_SPECS,
  MNIST_CAPTIONER_WEIGHTS_BASE64,
} from './mnist-captioner-weights';

type ParamName = (typeof MNIST_CAPTIONER_WEIGHT_SPECS)[number]['name'];

function decodeBase64(lines: readonly string[]): ArrayBuffer {
  // `atob` exists in browsers and in Node ≥ 16, so no Buffer is needed.
  const binary = atob(lines.join(''));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/**
 * How the shipped MNIST captioner was trained and what it measured: dataset seed and split sizes
 * (rebuild its test split with `mnistCaptionDataset(pools, { seed, sizes })`), the CNN outputs its
 * features come from (`featureLayers`), the schedule, and the held-out BLEU of greedy captions with
 * the shipped float16 weights (`testBleu4`, `testBleuByOrder`).
 */
export const MNIST_CAPTIONER_INFO = MNIST_CAPTIONER_TRAINING;

/**
 * An LSTM captioner trained on the MNIST caption dataset ({@link mnistCaptionDataset}: strips of 1–4
 * real MNIST digits), with its weights built into the package (float16, 79 kB; word vectors and
 * hidden state of 64). Its inputs are {@link digitStripFeatures} of `mnistClassifier()` from
 * `@netlens/models` with their default `layers` (the CNN's class probabilities per slot, `[N, 40]`);
 * it writes captions such as `"two digits : a seven on the far left and a three on the far right"`.
 * `MNIST_CAPTIONER_INFO.testBleu4` is its held-out BLEU-4 with greedy decoding (0.966 on the 500
 * test strips); the package's tests measure it again.
 *
 * ```ts
 * const captioner = mnistCaptioner();
 * const cnn = mnistClassifier();
 * const features = digitStripFeatures(cnn, strips); // strips: [N, 28, 112, 1]
 * const ids = await captioner.sample(features);
 * const captions = ids.map((row) => captioner.vocabulary.decode(row));
 * ```
 * Sources: Vinyals et al. 2015, "Show and Tell: A Neural Image Caption Generator"; CS231n assignment 3.
 * @returns a {@link CaptioningModel} holding the trained weights; call `dispose()` when done.
 */
export function mnistCaptioner(): CaptioningModel {
  const vocabulary = new Vocabulary(MNIST_CAPTIONER_CONFIG.words);
  const model = new CaptioningModel({
    cellType: MNIST_CAPTIONER_CONFIG.cellType,
    vocabulary,
    inputDim: MNIST_CAPTIONER_CONFIG.inputDim,
    wordvecDim: MNIST_CAPTIONER_CONFIG.wordvecDim,
    hiddenDim: MNIST_CAPTIONER_CONFIG.hiddenDim,
  });
  const weights = tf.io.decodeWeights(
    decodeBase64(MNIST_CAPTIONER_WEIGHTS_BASE64),
    MNIST_CAPTIONER_WEIGHT_SPECS.map((spec) => ({
      name: spec.name,
      shape: [...spec.shape],
      dtype: spec.dtype,
      quantization: { dtype: spec.quantization.dtype },
    })),
  );
  try {
    for (const [name, value] of Object.entries(weights)) model.setParam(name as ParamName, value);
  } finally {
    tf.dispose(Object.values(weights));
  }
  return model;
}
