import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { captioningLossReference, linspace, numericGradient64 } from './__fixtures__/reference';
import { referenceParams, SMALL, smallFeatures, smallModel } from './__fixtures__/small-model';
import {
  CAPTIONING_PARAM_NAMES,
  CaptioningModel,
  type CellType,
  MAX_CAPTION_LENGTH,
} from './captioning-model';
import { Vocabulary } from './vocabulary';

/** CS231n's notebook check: every parameter linspace(−1.4, 1.3), N, D, W, H = 10, 20, 30, 40, T = 13, V = 3. */
async function notebookLoss(
  cellType: CellType,
  featureRange: [number, number],
  gradients: 'explicit' | 'autodiff',
) {
  const [N, D, W, H, T] = [10, 20, 30, 40, 13];
  // CS231n's word_to_idx {'<NULL>': 0, 'cat': 2, 'dog': 3}: only V = 3 and <NULL> = 0 matter.
  const vocabulary = Vocabulary.fromIdxToWord(['<NULL>', 'cat', 'dog']);
  const model = new CaptioningModel({ cellType, vocabulary, inputDim: D, wordvecDim: W, hiddenDim: H });
  for (const name of CAPTIONING_PARAM_NAMES) {
    const size = model.paramShape(name).reduce((a, b) => a * b, 1);
    model.setParam(name, linspace(-1.4, 1.3, size));
  }
  const features = tf.tensor2d(Float32Array.from(linspace(featureRange[0], featureRange[1], N * D)), [N, D]);
  const captions = tf.tensor2d(
    Array.from({ length: N * T }, (_, i) => i % 3),
    [N, T],
    'int32',
  );
  const { loss, grads } = await model.loss(features, captions, { gradients });
  tf.dispose([features, captions, grads]);
  model.dispose();
  return loss;
}

describeOnBackends('CaptioningModel', ({ backend }) => {
  it('reproduces the CS231n notebook losses (RNN 9.83235591003, LSTM 9.82445935443)', async () => {
    await expectNoLeak(async () => {
      // The autodiff path is compared with the explicit one on every backend below; here it runs only
      // where the 13-step notebook model is quick (software WebGPU takes seconds per pass).
      const paths = backend === 'node-webgpu' ? (['explicit'] as const) : (['explicit', 'autodiff'] as const);
      for (const gradients of paths) {
        // RNN_Captioning.ipynb and LSTM_Captioning.ipynb, "captioning model" checks.
        await expectTensorsClose(await notebookLoss('rnn', [-1.5, 0.3], gradients), 9.83235591003, {
          rtol: 1e-5,
          atol: 0,
        });
        await expectTensorsClose(await notebookLoss('lstm', [-0.5, 1.7], gradients), 9.82445935443, {
          rtol: 1e-5,
          atol: 0,
        });
      }
    });
  });

  for (const cellType of ['rnn', 'lstm', 'gru'] as const) {
    it(`${cellType}: the loss equals the float64 reference; every gradient its numeric gradient and autodiff`, async () => {
      await expectNoLeak(async () => {
        const model = smallModel(cellType);
        const { n, t } = SMALL;
        const { values: featureValues, tensor: features } = smallFeatures(n);
        // <START> w w … <END> <NULL>: the mask must drop the padding.
        const ids = [1, 4, 5, 6, 2, 1, 6, 2, 0, 0, 1, 5, 5, 4, 2];
        const captions = tf.tensor2d(ids, [n, t], 'int32');
        const params = await referenceParams(model);
        const sizes = { ...SMALL, v: model.vocabulary.size };
        const reference = () => captioningLossReference(cellType, params, featureValues, ids, sizes);
        const explicit = await model.loss(features, captions);
        const autodiff = await model.loss(features, captions, { gradients: 'autodiff' });
        await expectTensorsClose(explicit.loss, reference());
        await expectTensorsClose(autodiff.loss, reference());
        for (const name of CAPTIONING_PARAM_NAMES) {
          const numeric = numericGradient64(reference, params[name]);
          expect(numeric.some((value) => Math.abs(value) > 1e-3)).toBe(true);
          try {
            await expectTensorsClose(explicit.grads[name], numeric);
            await expectTensorsClose(explicit.grads[name], autodiff.grads[name]);
          } catch (error) {
            throw new Error(`${name}: ${(error as Error).message}`);
          }
        }
        tf.dispose([features, captions, explicit.grads, autodiff.grads]);
        model.dispose();
      });
    });
  }

  it('scoreWords gives each next word its log-probability, differentiable w.r.t. features', async () => {
    await expectNoLeak(async () => {
      const model = smallModel('lstm', 2);
      const { n, t } = SMALL;
      const { values: featureValues, tensor: features } = smallFeatures(n, 8);
      const ids = [1, 4, 5, 6, 2, 1, 6, 4, 5, 2, 1, 5, 5, 4, 2]; // no <NULL>: Σ scores = −N·loss
      const captions = tf.tensor2d(ids, [n, t], 'int32');
      const scores = model.scoreWords(features, captions);
      expect(scores.shape).toEqual([n, t - 1]);
      const { loss, grads } = await model.loss(features, captions);
      const meanScore = tf.tidy(() => tf.neg(tf.div(tf.sum(scores), n)));
      await expectTensorsClose(meanScore, loss);
      meanScore.dispose();
      const params = await referenceParams(model);
      const sizes = { ...SMALL, v: model.vocabulary.size };
      const numeric = numericGradient64(
        () => -n * captioningLossReference('lstm', params, featureValues, ids, sizes),
        featureValues,
      );
      const analytic = tf.grad((f: tf.Tensor) => tf.sum(model.scoreWords(f as tf.Tensor2D, captions)))(
        features,
      );
      await expectTensorsClose(analytic, numeric);
      tf.dispose([features, captions, scores, grads, analytic]);
      model.dispose();
    });
  });

  it('sample() picks the most probable next word at every step (greedy)', async () => {
    await expectNoLeak(async () => {
      const model = smallModel('lstm', 3, 1.5);
      const { tensor: features } = smallFeatures(1, 9);
      const V = model.vocabulary.size;
      // 4 steps multiply word vectors by Wx; 8 steps (8 > V) gather from a W_embed·Wx + b table.
      for (const steps of [4, 8]) {
        const [greedy] = (await model.sample(features, steps)) as [number[]];
        expect(greedy).toHaveLength(steps);
        // Every alternative word at every step, after the greedy prefix, scores no higher.
        const rows: number[][] = [];
        for (let step = 0; step < steps; step++) {
          for (let word = 0; word < V; word++) {
            const row = [1, ...greedy.slice(0, step), word];
            while (row.length < steps + 1) row.push(0);
            rows.push(row);
          }
        }
        const repeated = tf.tidy(() => tf.tile(features, [rows.length, 1])) as tf.Tensor2D;
        const captions = tf.tensor2d(rows, [rows.length, steps + 1], 'int32');
        const scoreTensor = model.scoreWords(repeated, captions);
        const scores = (await scoreTensor.array()) as number[][];
        for (let step = 0; step < steps; step++) {
          const options = scores.slice(step * V, (step + 1) * V).map((row) => row[step] as number);
          expect(options.indexOf(Math.max(...options))).toBe(greedy[step]);
        }
        tf.dispose([repeated, captions, scoreTensor]);
      }
      features.dispose();
      model.dispose();
    });
  });

  it('rejects out-of-vocabulary ids, mismatched features, empty batches and short captions', async () => {
    const model = smallModel('rnn');
    await expectNoLeak(async () => {
      const features = tf.zeros([2, SMALL.d]) as tf.Tensor2D;
      const narrow = tf.zeros([2, SMALL.d + 1]) as tf.Tensor2D;
      const empty = tf.zeros([0, SMALL.d]) as tf.Tensor2D;
      const captions = tf.tensor2d([1, 4, 2, 1, 5, 2], [2, 3], 'int32');
      const outside = tf.tensor2d([1, 4, 2, 1, 7, 2], [2, 3], 'int32');
      const negative = tf.tensor2d([1, 4, 2, 1, -1, 2], [2, 3], 'int32');
      const floats = tf.zeros([2, 3]) as tf.Tensor2D;
      const short = tf.tensor2d([1, 2], [2, 1], 'int32');
      const emptyCaptions = tf.zeros([0, 3], 'int32') as tf.Tensor2D;
      await expect(model.loss(features, outside)).rejects.toThrow(/Invalid captions.*7 at \[1, 1\]/);
      await expect(model.loss(features, negative)).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(model.loss(narrow, captions)).rejects.toThrow(/Invalid features/);
      await expect(model.loss(empty, emptyCaptions)).rejects.toThrow(/non-empty batch/);
      await expect(model.loss(features, floats)).rejects.toThrow(/Invalid captions/);
      await expect(model.loss(features, short)).rejects.toThrow(/T ≥ 2/);
      await expect(model.sample(narrow)).rejects.toThrow(/Invalid features/);
      await expect(model.sample(empty)).rejects.toThrow(/non-empty batch/);
      await expect(model.beamSearch(features, { beamWidth: 0 })).rejects.toThrow(/beamWidth/);
      expect(() => model.scoreWords(narrow, captions)).toThrow(InvalidArgumentError);
      expect(() => model.setParam('Wx', [1, 2, 3])).toThrow(/values \(Wx\)/);
      expect(() => model.setParam('nope' as 'Wx', [1])).toThrow(/Invalid name/);
      expect(
        () => new CaptioningModel({ cellType: 'cnn' as 'rnn', vocabulary: model.vocabulary, inputDim: 2 }),
      ).toThrow(/cellType/);
      tf.dispose([features, narrow, empty, captions, outside, negative, floats, short, emptyCaptions]);
    });
    model.dispose();
  });

  it('saves and loads in the tfjs weights format (round trip, CS231n names)', async () => {
    const model = smallModel('gru', 4);
    await expectNoLeak(async () => {
      let saved: tf.io.ModelArtifacts | undefined;
      await model.save(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
      );
      expect(saved?.weightSpecs?.map((spec) => spec.name)).toEqual([...CAPTIONING_PARAM_NAMES]);
      expect(saved?.weightSpecs?.every((spec) => spec.dtype === 'float32')).toBe(true);
      const loaded = await CaptioningModel.load(tf.io.fromMemory(saved as tf.io.ModelArtifacts));
      expect(loaded.cellType).toBe('gru');
      expect(loaded.vocabulary.idxToWord).toEqual(model.vocabulary.idxToWord);
      for (const name of CAPTIONING_PARAM_NAMES) {
        expect(Array.from(await loaded.params[name].data())).toEqual(
          Array.from(await model.params[name].data()),
        );
      }
      const { tensor: features } = smallFeatures(2, 10);
      expect(await loaded.sample(features, 5)).toEqual(await model.sample(features, 5));
      features.dispose();
      loaded.dispose();
      await expect(CaptioningModel.load(tf.io.fromMemory({ modelTopology: {} }))).rejects.toThrow(
        InvalidArgumentError,
      );
    });
    model.dispose();
  });

  it('getParam returns a copy; setParam accepts tensors and arrays', async () => {
    const model = smallModel('rnn');
    await expectNoLeak(async () => {
      const copy = model.getParam('b');
      model.setParam('b', new Float32Array(SMALL.h).fill(0.5));
      await expectTensorsClose(model.params.b, new Array(SMALL.h).fill(0.5));
      expect(Array.from(await copy.data())).not.toEqual(new Array(SMALL.h).fill(0.5));
      model.setParam('b', copy);
      await expectTensorsClose(model.params.b, copy);
      copy.dispose();
    });
    model.dispose();
  });
});

/** The error `body` rejects with (fails when it resolves). */
async function rejection(body: () => Promise<unknown>): Promise<unknown> {
  try {
    await body();
  } catch (error) {
    return error;
  }
  return expect.fail('expected a rejection, the promise resolved');
}

describeOnBackends('CaptioningModel decoding limits: length bound, non-finite features, abort', () => {
  it('refuses a maxLength over MAX_CAPTION_LENGTH (sample(features, 1e7)) at once, naming the argument', async () => {
    const model = smallModel('lstm');
    const { tensor: features } = smallFeatures(2);
    await expectNoLeak(async () => {
      const started = performance.now();
      for (const [body, argument] of [
        [() => model.sample(features, 1e7), 'maxLength'],
        [() => model.sample(features, MAX_CAPTION_LENGTH + 1), 'maxLength'],
        [() => model.beamSearch(features, { maxLength: 1e7 }), 'options.maxLength'],
      ] as const) {
        const error = await rejection(body);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
        expect((error as Error).message).toContain(`≤ ${MAX_CAPTION_LENGTH}`);
      }
      expect(performance.now() - started).toBeLessThan(1000);
      expect(MAX_CAPTION_LENGTH).toBe(1000);
      expect((await model.sample(features, 3)).map((row) => row.length)).toEqual([3, 3]);
    });
    features.dispose();
    model.dispose();
  });

  it('refuses NaN or infinite features (which decode to all-<NULL> captions), naming the first', async () => {
    const model = smallModel('rnn');
    await expectNoLeak(async () => {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
        const values = new Float32Array(2 * SMALL.d).fill(0.5);
        values[SMALL.d + 2] = bad;
        const features = tf.tensor2d(values, [2, SMALL.d]);
        for (const body of [() => model.sample(features, 4), () => model.beamSearch(features)]) {
          const error = await rejection(body);
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect((error as InvalidArgumentError).argument).toBe('features');
          expect((error as Error).message).toContain(`received ${bad} at [1, 2]`);
        }
        features.dispose();
      }
    });
    model.dispose();
  });

  it('stops greedy and beam decoding with a typed ABORTED error, before or during the run, leaking nothing', async () => {
    const model = smallModel('gru');
    const { tensor: features } = smallFeatures(3);
    await expectNoLeak(async () => {
      const aborted = new AbortController();
      aborted.abort();
      const runs = [
        (signal: AbortSignal) => model.sample(features, MAX_CAPTION_LENGTH, { signal }),
        // A huge beam never finishes early: every step keeps beams alive until maxLength.
        (signal: AbortSignal) =>
          model.beamSearch(features, {
            maxLength: MAX_CAPTION_LENGTH,
            beamWidth: 3,
            lengthPenalty: 1,
            signal,
          }),
      ];
      for (const run of runs) {
        const before = await rejection(() => run(aborted.signal));
        expect((before as NetlensError).code).toBe('ABORTED');
        const controller = new AbortController();
        let steps = 0;
        // Aborts from a timer once decoding is under way: counts event-loop turns until then.
        const ticker = setInterval(() => {
          steps++;
          if (steps === 3) controller.abort();
        }, 0);
        const started = performance.now();
        const during = await rejection(() => run(controller.signal));
        clearInterval(ticker);
        expect(during).toBeInstanceOf(NetlensError);
        expect((during as NetlensError).code).toBe('ABORTED');
        expect(performance.now() - started).toBeLessThan(5000);
      }
      const bad = await rejection(() =>
        model.sample(features, 3, { signal: 'stop' as unknown as AbortSignal }),
      );
      expect((bad as InvalidArgumentError).argument).toBe('options.signal');
    });
    features.dispose();
    model.dispose();
  });
});
