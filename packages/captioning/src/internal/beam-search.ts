import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted, yieldToEventLoop } from './abort';
import {
  type CaptioningParams,
  type CellState,
  type CellType,
  decodeStep,
  initialState,
  inputTable,
} from './forward';
import { tidy } from './tidy';

/** One caption found by beam search. */
export interface BeamHypothesis {
  /** Word ids, ending with `<END>` unless `maxLength` cut the caption. */
  tokens: number[];
  /** Total log-probability of `tokens` under the model. */
  logProb: number;
  /** `logProb` divided by the length penalty: what the search ranks by. */
  score: number;
}

/** Settings of {@link beamDecode}. */
export interface BeamSettings {
  beamWidth: number;
  lengthPenalty: number;
  maxLength: number;
  startId: number;
  endId: number;
  /** Checked before each step, after yielding to the event loop so that an abort can arrive. */
  signal?: AbortSignal;
}

interface Beam {
  tokens: number[];
  logProb: number;
  /** Row of this beam in the batched state. */
  row: number;
}

/** GNMT's length penalty `((5 + length) / 6)^α` (Wu et al. 2016); 1 for α = 0. */
function lengthNormalizer(length: number, alpha: number): number {
  return alpha === 0 ? 1 : ((5 + length) / 6) ** alpha;
}

/** The `count` largest `(value, index)` pairs of `values[offset … offset + size)`, best first. */
function topK(values: ArrayLike<number>, offset: number, size: number, count: number): [number, number][] {
  const best: [number, number][] = [];
  for (let i = 0; i < size; i++) {
    const value = values[offset + i] as number;
    if (best.length === count && value <= (best[count - 1] as [number, number])[0]) continue;
    let position = best.length;
    while (position > 0 && (best[position - 1] as [number, number])[0] < value) position--;
    best.splice(position, 0, [value, i]);
    if (best.length > count) best.pop();
  }
  return best;
}

/**
 * Beam search over every image of a batch at once. Each step scores all live beams in one batched
 * decoder step and reads their log-probabilities; per image, the `beamWidth` best extensions survive,
 * and those that end with `<END>` are set aside as finished. An image stops when no live beam is left
 * or (with no length penalty) when no live beam can still beat its best finished caption.
 */
export async function beamDecode(
  cellType: CellType,
  params: CaptioningParams,
  features: tf.Tensor2D,
  settings: BeamSettings,
): Promise<BeamHypothesis[]> {
  const { beamWidth, lengthPenalty, maxLength, startId, endId } = settings;
  const n = features.shape[0];
  const finished: BeamHypothesis[][] = Array.from({ length: n }, () => []);
  let alive: Beam[][] = Array.from({ length: n }, (_, image) => [{ tokens: [], logProb: 0, row: image }]);
  let state: CellState = tidy(() => initialState(cellType, params, features));
  let words: tf.Tensor1D = tf.fill([n], startId, 'int32');
  const table = n * beamWidth * maxLength > params.W_embed.shape[0] ? inputTable(params) : undefined;
  const finish = (image: number, tokens: number[], logProb: number) =>
    finished[image]?.push({
      tokens,
      logProb,
      score: logProb / lengthNormalizer(tokens.length, lengthPenalty),
    });
  try {
    for (let step = 0; step < maxLength && alive.some((beams) => beams.length > 0); step++) {
      if (settings.signal !== undefined) {
        // Reading the scores settles as a microtask on CPU backends: a timer's abort needs a macrotask.
        await yieldToEventLoop();
        throwIfAborted(settings.signal, 'Beam search');
      }
      const current = state;
      const currentWords = words;
      const { next, logProbabilities } = tidy(() => {
        const result = decodeStep(cellType, params, currentWords, current, table);
        return { next: result.state, logProbabilities: tf.logSoftmax(result.scores) };
      });
      tf.dispose([current as unknown as tf.TensorContainer, currentWords]);
      state = next;
      const values = await logProbabilities.data();
      const vocabularySize = logProbabilities.shape[1];
      logProbabilities.dispose();
      const rows: number[] = [];
      const tokens: number[] = [];
      const survivors: Beam[][] = [];
      alive.forEach((beams, image) => {
        const candidates: { beam: Beam; word: number; logProb: number }[] = [];
        for (const beam of beams) {
          for (const [value, word] of topK(values, beam.row * vocabularySize, vocabularySize, beamWidth)) {
            candidates.push({ beam, word, logProb: beam.logProb + value });
          }
        }
        candidates.sort((a, b) => b.logProb - a.logProb);
        const kept: Beam[] = [];
        for (const { beam, word, logProb } of candidates.slice(0, beamWidth)) {
          const extended = [...beam.tokens, word];
          if (word === endId || step === maxLength - 1) {
            finish(image, extended, logProb);
          } else {
            kept.push({ tokens: extended, logProb, row: rows.length });
            rows.push(beam.row);
            tokens.push(word);
          }
        }
        const best = finished[image]?.reduce((top, hypothesis) => Math.max(top, hypothesis.score), -Infinity);
        const hopeless =
          lengthPenalty === 0 && best !== undefined && kept.every((beam) => beam.logProb <= best);
        if (hopeless) {
          rows.splice(rows.length - kept.length, kept.length);
          tokens.splice(tokens.length - kept.length, kept.length);
          survivors.push([]);
        } else {
          survivors.push(kept);
        }
      });
      alive = survivors;
      if (rows.length === 0) break;
      const previous = state;
      state = tidy(() => {
        const indices = tf.tensor1d(rows, 'int32');
        return previous.c === undefined
          ? { h: tf.gather(previous.h, indices) }
          : { h: tf.gather(previous.h, indices), c: tf.gather(previous.c, indices) };
      });
      tf.dispose(previous as unknown as tf.TensorContainer);
      words = tf.tensor1d(tokens, 'int32');
    }
  } finally {
    tf.dispose([state as unknown as tf.TensorContainer, words]);
    table?.dispose();
  }
  return finished.map((hypotheses) =>
    hypotheses.reduce((best, hypothesis) => (hypothesis.score > best.score ? hypothesis : best), {
      tokens: [],
      logProb: Number.NEGATIVE_INFINITY,
      score: Number.NEGATIVE_INFINITY,
    }),
  );
}
