import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { randn } from './__fixtures__/reference';
import { CaptioningModel, type CellType } from './captioning-model';
import { CaptioningSolver } from './captioning-solver';
import { Vocabulary } from './vocabulary';

const D = 32;
const WORDS = Array.from({ length: 26 }, (_, i) => `w${i}`);

/**
 * CS231n's small-data overfit, scaled down: 50 random captions of 7 words (+ <START>, <END>, some
 * <NULL> padding) over a 30-id vocabulary, with random 32-d features (CS231n: 512-d, H = 512).
 */
function smallData(seed: number) {
  const [N, T] = [50, 9];
  const values = randn(N * D, seed);
  const ids: number[] = [];
  for (let n = 0; n < N; n++) {
    const length = 5 + (n % 3);
    const words = Array.from({ length }, (_, k) => 4 + ((n * 7 + k * 11 + ((n * k) % 5)) % WORDS.length));
    const caption = [1, ...words, 2];
    while (caption.length < T) caption.push(0);
    ids.push(...caption);
  }
  return {
    trainFeatures: tf.tensor2d(Float32Array.from(values), [N, D]),
    trainCaptions: tf.tensor2d(ids, [N, T], 'int32'),
  };
}

function model(cellType: CellType, hiddenDim = 64) {
  return new CaptioningModel({
    cellType,
    vocabulary: new Vocabulary(WORDS),
    inputDim: D,
    wordvecDim: 64,
    hiddenDim,
  });
}

describeOnBackends(
  'CaptioningSolver overfitting',
  () => {
    for (const [cellType, target, hiddenDim, learningRate] of [
      ['rnn', 0.1, 256, 1e-2],
      ['lstm', 0.5, 128, 2e-2],
    ] as const) {
      it(`overfits 50 examples below ${target} (${cellType}), as in CS231n, without leaking`, async () => {
        const data = smallData(5);
        const captioner = model(cellType, hiddenDim);
        const seen: number[] = [];
        const { lossHistory } = await expectNoLeak(() =>
          new CaptioningSolver(captioner, data, {
            updateRule: 'adam',
            learningRate,
            lrDecay: 0.95,
            batchSize: 25,
            numEpochs: 50,
            onProgress: ({ iteration, numIterations }) => {
              seen.push(iteration);
              expect(numIterations).toBe(100);
            },
          }).train(),
        );
        expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
        expect(lossHistory[0]).toBeGreaterThan(20); // ≈ 6.4 words · log 30
        expect(lossHistory.at(-1)).toBeLessThan(target);
        tf.dispose([data.trainFeatures, data.trainCaptions]);
        captioner.dispose();
      });
    }
  },
  {
    exclude: {
      cpu: 'tfjs-cpu takes about a minute for these 200 steps; the same solver runs on cpu in the CaptioningSolver suite',
      'node-webgpu':
        'hundreds of small steps take minutes on software WebGPU; the loss and every gradient are checked on WebGPU in captioning-model.test.ts',
    },
  },
);

describeOnBackends(
  'CaptioningSolver',
  () => {
    it('SGD lowers the loss; lrDecay decays once per epoch; validation and checkpoints run per epoch', async () => {
      const data = smallData(6);
      const captioner = model('rnn');
      const rates: number[] = [];
      const saved: number[] = [];
      let lastArtifacts: tf.io.ModelArtifacts | undefined;
      const { lossHistory, valLossHistory } = await expectNoLeak(() =>
        new CaptioningSolver(
          captioner,
          { ...data, valFeatures: data.trainFeatures, valCaptions: data.trainCaptions },
          {
            updateRule: 'sgd',
            learningRate: 0.5,
            lrDecay: 0.5,
            batchSize: 20,
            numEpochs: 4,
            onProgress: ({ learningRate }) => rates.push(learningRate),
            checkpoint: {
              everyEpochs: 2,
              handler: (epoch) =>
                tf.io.withSaveHandler(async (artifacts) => {
                  saved.push(epoch);
                  lastArtifacts = artifacts;
                  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
                }),
            },
          },
        ).train(),
      );
      // ⌊50 / 20⌋ = 2 iterations per epoch.
      expect(rates).toEqual([0.5, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625, 0.0625]);
      expect(saved).toEqual([2, 4]);
      expect(valLossHistory).toHaveLength(4);
      expect(lossHistory.at(-1)).toBeLessThan(lossHistory[0] as number);
      expect(valLossHistory[3]).toBeLessThan(valLossHistory[0] as number);
      // The last checkpoint (tfjs weights format) loads back as the trained model.
      const restored = await CaptioningModel.load(tf.io.fromMemory(lastArtifacts as tf.io.ModelArtifacts));
      expect(Array.from(await restored.params.W_vocab.data())).toEqual(
        Array.from(await captioner.params.W_vocab.data()),
      );
      restored.dispose();
      tf.dispose([data.trainFeatures, data.trainCaptions]);
      captioner.dispose();
    });

    it('trains identically with explicit and autodiff gradients', async () => {
      const data = smallData(7);
      await expectNoLeak(async () => {
        const histories: number[][] = [];
        const weights: Float32Array[] = [];
        for (const gradients of ['explicit', 'autodiff'] as const) {
          const captioner = model('lstm');
          const options = { updateRule: 'adam' as const, batchSize: 10, numEpochs: 1, seed: 3, gradients };
          histories.push((await new CaptioningSolver(captioner, data, options).train()).lossHistory);
          weights.push((await captioner.params.Wh.data()) as Float32Array);
          captioner.dispose();
        }
        expect(histories[0]).toHaveLength(5);
        await expectTensorsClose(histories[1]!, histories[0]!);
        await expectTensorsClose(weights[1]!, weights[0]!);
      });
      tf.dispose([data.trainFeatures, data.trainCaptions]);
    });

    it('rejects out-of-vocabulary captions, mismatched features, empty data and aborts on a signal', async () => {
      const captioner = model('rnn');
      await expectNoLeak(async () => {
        const features = tf.zeros([2, D]) as tf.Tensor2D;
        const captions = tf.tensor2d([1, 4, 2, 1, 99, 2], [2, 3], 'int32');
        const narrow = tf.zeros([2, D - 1]) as tf.Tensor2D;
        const empty = tf.zeros([0, D]) as tf.Tensor2D;
        const ok = tf.tensor2d([1, 4, 2, 1, 5, 2], [2, 3], 'int32');
        await expect(
          new CaptioningSolver(captioner, { trainFeatures: features, trainCaptions: captions }).train(),
        ).rejects.toThrow(/trainCaptions.*99 at \[1, 1\]/);
        expect(() => new CaptioningSolver(captioner, { trainFeatures: narrow, trainCaptions: ok })).toThrow(
          InvalidArgumentError,
        );
        expect(() => new CaptioningSolver(captioner, { trainFeatures: empty, trainCaptions: ok })).toThrow(
          /non-empty/,
        );
        expect(
          () =>
            new CaptioningSolver(
              captioner,
              { trainFeatures: features, trainCaptions: ok },
              { updateRule: 'rmsprop' as 'sgd' },
            ),
        ).toThrow(/updateRule/);
        const controller = new AbortController();
        controller.abort();
        await expect(
          new CaptioningSolver(
            captioner,
            { trainFeatures: features, trainCaptions: ok },
            { signal: controller.signal },
          ).train(),
        ).rejects.toBeInstanceOf(NetlensError);
        tf.dispose([features, captions, narrow, empty, ok]);
      });
      captioner.dispose();
    });
  },
  {
    exclude: {
      'node-webgpu':
        'each training step takes seconds on software WebGPU; the loss and every gradient are checked on WebGPU in captioning-model.test.ts',
    },
  },
);
