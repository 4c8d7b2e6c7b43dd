import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mnistPools } from '../__fixtures__/mnist-pools';
import { corpusBleu } from '../bleu';
import { CAPTIONING_PARAM_NAMES } from '../captioning-model';
import { digitStripFeatures } from '../data/digit-strip-features';
import { MNIST_CAPTION_MAX_WORDS, MNIST_CAPTION_WORDS, mnistCaptionDataset } from '../data/mnist-captions';
import { MNIST_CAPTIONER_INFO, mnistCaptioner } from './mnist-captioner';

const info = MNIST_CAPTIONER_INFO;

// Strips of the held-out split captioned on every backend (the whole split only where it is quick).
const STRIPS = 50;

describeOnBackends('mnistCaptioner', () => {
  let cnn: ReturnType<typeof mnistClassifier>;
  let features: tf.Tensor2D;
  let references: string[][][];
  beforeAll(() => {
    // The exact test split the training script held out: same pools, seed and sizes.
    const { test } = mnistCaptionDataset(mnistPools(), { seed: info.seed, sizes: info.sizes });
    const count = STRIPS;
    cnn = mnistClassifier();
    features = tf.tidy(() =>
      digitStripFeatures(cnn, tf.tensor4d(test.images.subarray(0, count * 28 * 112), [count, 28, 112, 1]), {
        layers: [...info.featureLayers],
      }),
    );
    references = test.captions
      .slice(0, count)
      .map((captions) => captions.map((caption) => caption.split(' ')));
  });
  afterAll(() => {
    cnn.dispose();
    features.dispose();
  });

  it('builds an LSTM with the shipped vocabulary and weights, leaving only its parameters', async () => {
    const before = tf.memory().numTensors;
    const model = mnistCaptioner();
    expect(tf.memory().numTensors - before).toBe(CAPTIONING_PARAM_NAMES.length);
    expect(model.cellType).toBe('lstm');
    expect(model.vocabulary.idxToWord.slice(4)).toEqual(MNIST_CAPTION_WORDS);
    expect(model.inputDim).toBe(features.shape[1]);
    const weights = model.getParam('W_vocab');
    const values = await weights.data();
    // Trained, not the seeded initialisation: finite, spread out, and read from float16.
    expect(values.every(Number.isFinite)).toBe(true);
    expect(Math.max(...values.map(Math.abs))).toBeGreaterThan(0.5);
    const bits = new Uint32Array(Float32Array.from(values).buffer);
    expect(bits.every((word, i) => Math.abs(values[i] as number) < 2 ** -14 || (word & 0x1fff) === 0)).toBe(
      true,
    );
    weights.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names the digits it sees in the slots where they are', async () => {
    await expectNoLeak(async () => {
      const model = mnistCaptioner();
      const sampled = await model.sample(features, MNIST_CAPTION_MAX_WORDS + 2);
      let named = 0;
      let total = 0;
      sampled.forEach((ids, n) => {
        // "a seven on the far left" → "seven@far left", as captionDigitStrip writes each digit.
        const caption = model.vocabulary.decode(ids);
        const said = new Set(
          [...caption.matchAll(/an? (\w+) on the (\w+ \w+)/g)].map((m) => `${m[1]}@${m[2]}`),
        );
        const truth = [...(references[n]?.[0]?.join(' ') ?? '').matchAll(/an? (\w+) on the (\w+ \w+)/g)];
        total += truth.length;
        named += truth.filter((m) => said.has(`${m[1]}@${m[2]}`)).length;
      });
      expect(total).toBeGreaterThan(80);
      expect(named / total).toBeGreaterThan(0.85);
      model.dispose();
    });
  });
});

describeOnBackends(
  'mnistCaptioner held-out BLEU',
  () => {
    let cnn: ReturnType<typeof mnistClassifier>;
    let features: tf.Tensor2D;
    let references: string[][][];
    beforeAll(() => {
      // The exact test split the training script held out: same pools, seed and sizes.
      const { test } = mnistCaptionDataset(mnistPools(), { seed: info.seed, sizes: info.sizes });
      const count = info.sizes.test;
      cnn = mnistClassifier();
      features = tf.tidy(() =>
        digitStripFeatures(cnn, tf.tensor4d(test.images.subarray(0, count * 28 * 112), [count, 28, 112, 1]), {
          layers: [...info.featureLayers],
        }),
      );
      references = test.captions
        .slice(0, count)
        .map((captions) => captions.map((caption) => caption.split(' ')));
    });
    afterAll(() => {
      cnn.dispose();
      features.dispose();
    });

    it(`captions held-out strips with BLEU-4 > 0.8 (greedy; recorded ${info.testBleu4})`, async () => {
      await expectNoLeak(async () => {
        const model = mnistCaptioner();
        const sampled = await model.sample(features, MNIST_CAPTION_MAX_WORDS + 2);
        const hypotheses = sampled.map((ids) => model.vocabulary.decode(ids).split(' '));
        const { bleu, precisions } = corpusBleu(references, hypotheses);
        expect(bleu).toBeGreaterThan(0.8);
        // Backends may flip a near-tie word here and there, not more.
        expect(Math.abs(bleu - info.testBleu4)).toBeLessThan(0.02);
        expect(precisions[0]).toBeGreaterThan(0.9);
        model.dispose();
      });
    });
  },
  { exclude: { 'node-webgpu': 'greedy decoding of 500 captions × 32 steps takes minutes on SwiftShader' } },
);
