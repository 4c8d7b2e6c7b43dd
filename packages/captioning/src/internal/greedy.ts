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

/**
 * Greedy decoding: from `<START>`, feed back the highest-scoring word `maxLength` times. One tidy per
 * step keeps only the carried state; the ids are read once at the end. With a `signal`, each step
 * first yields to the event loop so that an abort can arrive, then checks it.
 */
export async function greedyDecode(
  cellType: CellType,
  params: CaptioningParams,
  features: tf.Tensor2D,
  startId: number,
  maxLength: number,
  signal?: AbortSignal,
): Promise<number[][]> {
  const n = features.shape[0];
  let state = tidy(() => initialState(cellType, params, features));
  let words: tf.Tensor1D = tf.fill([n], startId, 'int32');
  const chosen: tf.Tensor1D[] = [];
  const table = n * maxLength > params.W_embed.shape[0] ? inputTable(params) : undefined;
  try {
    for (let step = 0; step < maxLength; step++) {
      if (signal !== undefined) {
        await yieldToEventLoop();
        throwIfAborted(signal, 'Caption sampling');
      }
      const previous: CellState = state;
      const next = tidy(() => {
        const result = decodeStep(cellType, params, words, previous, table);
        return { state: result.state, words: tf.argMax(result.scores, 1) as tf.Tensor1D };
      });
      tf.dispose(previous as unknown as tf.TensorContainer);
      if (step === 0) words.dispose();
      state = next.state;
      words = next.words;
      chosen.push(words);
    }
    if (chosen.length === 0) return Array.from({ length: n }, () => []);
    const stacked = tf.stack(chosen, 1);
    try {
      return (await stacked.array()) as number[][];
    } finally {
      stacked.dispose();
    }
  } finally {
    tf.dispose(state as unknown as tf.TensorContainer);
    if (chosen.length === 0) words.dispose();
    tf.dispose(chosen);
    table?.dispose();
  }
}
