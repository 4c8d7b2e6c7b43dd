import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';

/**
 * What `onStep` receives after each optimisation step.
 *
 * ```ts
 * const onStep = async ({ step, objective, image }: StepInfo) => {
 *   if (image) document.body.append(await toCanvas(image)); // @netlens/image
 * };
 * ```
 */
export interface StepInfo {
  /** The step just taken, from 1 to `numSteps`. */
  step: number;
  /** The total number of steps of the run. */
  numSteps: number;
  /** The objective averaged over the batch, as evaluated during this step (before its update). */
  objective: number;
  /** The objective of each image of the batch. */
  objectives: readonly number[];
  /**
   * The current images `[N, H, W, C]` in `[0, 1]`, on every `snapshotEvery`-th step and the last one.
   * The run disposes it when the callback returns (or its promise settles): clone it, read it, or
   * draw it to keep it.
   */
  image?: tf.Tensor4D;
}

/**
 * Options every optimisation run accepts for progress and cancellation.
 *
 * ```ts
 * const controller = new AbortController();
 * await createClassVisualization(model, 3, { onStep: ({ step }) => bar.update(step), signal: controller.signal });
 * ```
 */
export interface ProgressOptions {
  /**
   * Called after every step with the step, the objective value and, every `snapshotEvery` steps,
   * the current image; a returned promise is awaited before the next step.
   */
  onStep?: (info: StepInfo) => void | Promise<void>;
  /** Hand `onStep` the current image every this many steps (and on the last). Default 10. */
  snapshotEvery?: number;
  /** Stops the run at the next step with a `NetlensError` whose `code` is `'ABORTED'`. */
  signal?: AbortSignal;
  /**
   * Keep going when the objective is NaN or ±Infinity. Default `false`: a non-finite objective
   * (a model whose outputs are not finite) stops the run with an `InvalidArgumentError` naming
   * `model`, checked on the values each step reads back anyway.
   */
  allowNonFinite?: boolean;
}

/** One step: updates its carried state and returns each image's objective, `[N]`. */
export interface LoopBody {
  /** Takes step `step` (0-based), tidying its own intermediates. */
  step(step: number): tf.Tensor1D;
  /** The current images in `[0, 1]` (a new tensor the loop disposes). */
  snapshot(): tf.Tensor4D;
}

// A macrotask, so rendering and input run between steps: setImmediate in Node; in browsers a
// MessageChannel message, which unlike setTimeout(0) is not clamped to 4 ms after a few nestings.
function makeYield(): () => Promise<void> {
  const scope = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof scope.setImmediate === 'function') {
    const setImmediate = scope.setImmediate;
    return () => new Promise((resolve) => setImmediate(resolve));
  }
  if (typeof MessageChannel === 'function') {
    return () =>
      new Promise((resolve) => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          channel.port1.close();
          resolve();
        };
        channel.port2.postMessage(undefined);
      });
  }
  return () => new Promise((resolve) => setTimeout(resolve, 0));
}

const yieldToEventLoop = makeYield();

function assertFiniteObjectives(objectives: readonly number[], step: number): void {
  const bad = objectives.findIndex((value) => !Number.isFinite(value));
  if (bad < 0) return;
  throw new InvalidArgumentError(
    'model',
    'finite outputs (options.allowNonFinite accepts NaN and ±Infinity)',
    `an objective of ${objectives[bad]} for image ${bad} at step ${step}`,
  );
}

/** The error an aborted run throws. */
export function abortError(name: string, signal: AbortSignal): NetlensError {
  return new NetlensError('ABORTED', `${name} was aborted.`, { cause: signal.reason });
}

/**
 * Runs `numSteps` steps of `body`, reading each step's objective back asynchronously (which also
 * keeps a GPU queue from growing without bound), yielding to the event loop between steps so a page
 * stays responsive, reporting progress and honouring `signal`.
 * @returns the objective history, `[numSteps][N]`.
 */
export async function runOptimization(
  name: string,
  numSteps: number,
  body: LoopBody,
  options: ProgressOptions,
): Promise<number[][]> {
  const { onStep, signal } = options;
  const snapshotEvery = options.snapshotEvery ?? 10;
  const history: number[][] = [];
  for (let step = 0; step < numSteps; step++) {
    if (signal?.aborted) throw abortError(name, signal);
    const values = body.step(step);
    const objectives = Array.from(await values.data());
    values.dispose();
    if (options.allowNonFinite !== true) assertFiniteObjectives(objectives, step + 1);
    history.push(objectives);
    if (onStep) {
      const last = step + 1 === numSteps;
      const image = last || (step + 1) % snapshotEvery === 0 ? body.snapshot() : undefined;
      try {
        const objective = objectives.reduce((a, b) => a + b, 0) / objectives.length;
        await onStep({ step: step + 1, numSteps, objective, objectives, ...(image ? { image } : {}) });
      } finally {
        image?.dispose();
      }
    }
    await yieldToEventLoop();
  }
  if (signal?.aborted) throw abortError(name, signal);
  return history;
}
