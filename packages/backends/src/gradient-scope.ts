import * as tf from '@tensorflow/tfjs-core';
import { ensureGradientOverrides } from './ensure-gradient-overrides';

/** The part of tfjs-core's engine state that records a gradient computation. */
interface TapeState {
  activeTape: { saved?: tf.Tensor[] }[] | null;
  gradientDepth: number;
}

function tapeState(): TapeState {
  return tf.engine().state as unknown as TapeState;
}

function disposeSaved(nodes: readonly { saved?: tf.Tensor[] }[]): void {
  for (const node of nodes) {
    for (const tensor of node.saved ?? []) tensor.dispose();
  }
}

/**
 * Runs `run`, a synchronous computation that takes gradients (`tf.grad`, `tf.valueAndGrads`, …), and
 * when it throws frees the tensors that tfjs recorded for the backward pass before the error.
 *
 * tfjs keeps a copy of every input an op's gradient needs (the tape's saved tensors) and frees them
 * only at the end of a successful backward pass; `tf.tidy` never frees them because they are kept.
 * So a model that throws inside `tf.grad` (wrong output shape, a kernel without a gradient, a
 * NaN-guard) leaks every tensor saved before the throw, once per call. This scope frees exactly those:
 * the tape's saved copies made since it started, never a tensor the caller or the model made.
 *
 * ```ts
 * const saliency = gradientScope(() => tf.tidy(() => tf.grad((x) => tf.sum(model.logits(x)))(images)));
 * ```
 * @param run - the computation; it may nest other gradient computations.
 * @returns what `run` returned.
 */
export function gradientScope<T>(run: () => T): T {
  const state = tapeState();
  const startTape = state.activeTape;
  const mark = startTape?.length ?? 0;
  // A tfjs-layers import after netlens' may have put tfjs' stock AvgPool/MirrorPad gradients back.
  ensureGradientOverrides();
  try {
    return run();
  } catch (error) {
    const tape = state.activeTape;
    if (tape !== null && tape === startTape) {
      // Inside an enclosing gradient: only the nodes this run added belong to it.
      disposeSaved(tape.slice(mark));
      tape.length = mark;
    } else if (tape !== null && state.gradientDepth === 0) {
      // The failed run started this tape; tfjs would drop it unfreed at the next gradient.
      disposeSaved(tape);
      state.activeTape = startTape;
    }
    throw error;
  }
}
