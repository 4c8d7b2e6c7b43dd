import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { smallFeatures, smallModel } from '../__fixtures__/small-model';
import type { CaptioningModel } from '../captioning-model';

const END = 2;

/** Total log-probability of each caption (ids after <START>, up to and including <END>). */
async function logProbs(
  model: CaptioningModel,
  features: tf.Tensor2D,
  captions: number[][],
): Promise<number[]> {
  const length = Math.max(...captions.map((caption) => caption.length));
  const rows = captions.map((caption) => [1, ...caption, ...new Array(length - caption.length).fill(0)]);
  const ids = tf.tensor2d(rows, [rows.length, length + 1], 'int32');
  const scores = model.scoreWords(features, ids);
  const values = (await scores.array()) as number[][];
  tf.dispose([ids, scores]);
  return captions.map((caption, i) => caption.reduce((sum, _, t) => sum + (values[i]![t] as number), 0));
}

/** Every caption of at most `maxLength` ids: ending with <END>, or cut at `maxLength`. */
function allCaptions(vocabularySize: number, maxLength: number): number[][] {
  const result: number[][] = [];
  const extend = (prefix: number[]) => {
    for (let word = 0; word < vocabularySize; word++) {
      const caption = [...prefix, word];
      if (word === END || caption.length === maxLength) result.push(caption);
      else extend(caption);
    }
  };
  extend([]);
  return result;
}

const truncateAtEnd = (ids: number[]) => (ids.includes(END) ? ids.slice(0, ids.indexOf(END) + 1) : ids);

describeOnBackends(
  'CaptioningModel.beamSearch',
  () => {
    it('beamWidth 1 equals greedy sampling, with the same log-probability', async () => {
      const model = smallModel('lstm', 5, 1.5);
      await expectNoLeak(async () => {
        const { tensor: features } = smallFeatures(6, 11);
        const greedy = (await model.sample(features, 6)).map(truncateAtEnd);
        const beam = await model.beamSearchWithScores(features, { beamWidth: 1, maxLength: 6 });
        expect(beam.map((hypothesis) => hypothesis.tokens)).toEqual(greedy);
        const expected = await logProbs(model, features, greedy);
        for (const [i, hypothesis] of beam.entries())
          expect(hypothesis.logProb).toBeCloseTo(expected[i] as number, 4);
        features.dispose();
      });
      model.dispose();
    });

    it('a wider beam finds captions at least as probable as greedy ones on this model', async () => {
      const model = smallModel('rnn', 2, 1.5);
      await expectNoLeak(async () => {
        const { tensor: features } = smallFeatures(8, 12);
        const greedy = (await model.sample(features, 8)).map(truncateAtEnd);
        const greedyLogProbs = await logProbs(model, features, greedy);
        const beam = await model.beamSearchWithScores(features, { beamWidth: 4, maxLength: 8 });
        // Beam search does not guarantee this in general; on this seeded model it holds for every image
        // (and for 66 seed/scale variants tried), and beams beat greedy on 3 of 8 images. Wrong bookkeeping
        // of scores or states breaks it.
        for (const [i, hypothesis] of beam.entries()) {
          expect(hypothesis.logProb).toBeGreaterThanOrEqual((greedyLogProbs[i] as number) - 1e-4);
        }
        expect(beam.some((hypothesis, i) => hypothesis.logProb > (greedyLogProbs[i] as number) + 1e-3)).toBe(
          true,
        );
        const beamLogProbs = await logProbs(
          model,
          features,
          beam.map((hypothesis) => hypothesis.tokens),
        );
        for (const [i, hypothesis] of beam.entries())
          expect(hypothesis.logProb).toBeCloseTo(beamLogProbs[i] as number, 4);
        features.dispose();
      });
      model.dispose();
    });

    it('a beam as wide as the search space finds the exact best caption, with and without length penalty', async () => {
      const model = smallModel('gru', 7, 1.5);
      await expectNoLeak(async () => {
        const { tensor: one } = smallFeatures(1, 13);
        const candidates = allCaptions(model.vocabulary.size, 3); // 1 + 6 + 252 captions
        expect(candidates).toHaveLength(259);
        const repeated = tf.tidy(() => tf.tile(one, [candidates.length, 1])) as tf.Tensor2D;
        const exact = await logProbs(model, repeated, candidates);
        for (const lengthPenalty of [0, 0.7]) {
          const score = (i: number) =>
            (exact[i] as number) / ((5 + candidates[i]!.length) / 6) ** lengthPenalty;
          const best = exact.map((_, i) => i).reduce((top, i) => (score(i) > score(top) ? i : top), 0);
          const [found] = await model.beamSearchWithScores(one, {
            beamWidth: 252,
            maxLength: 3,
            lengthPenalty,
          });
          expect(found?.tokens).toEqual(candidates[best]);
          expect(found?.score).toBeCloseTo(score(best), 4);
        }
        tf.dispose([one, repeated]);
      });
      model.dispose();
    });
  },
  {
    exclude: {
      'node-webgpu':
        'the search is JS bookkeeping over decodeStep, which the sample() tests run on WebGPU; each step reads back and recompiles shaders for a new beam count (~1 s per step on software WebGPU)',
    },
  },
);
