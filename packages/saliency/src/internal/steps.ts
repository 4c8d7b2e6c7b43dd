import { InvalidArgumentError, NetlensError } from '@netlens/backends';

/**
 * The most steps one call may ask for (Integrated Gradients' `numSteps`, SmoothGrad's `samples`,
 * sanity-check models): far beyond any published setting (Captum uses 50 steps, PAIR 25 samples),
 * low enough that a mistyped `1e9` is refused at once instead of running for days.
 */
export const MAX_STEPS = 10_000;

/** What `onStep` receives after each chunk of a long saliency computation. */
export interface SaliencyStep {
  /** Work units finished so far (images evaluated, noisy copies, models), from 1. */
  step: number;
  /** Work units the call does in all; `step` reaches it when the call finishes. */
  numSteps: number;
}

/** Progress and cancellation, accepted by every saliency function that runs in chunks. */
export interface SaliencyStepOptions {
  /**
   * Called after every chunk with the work done so far; the function awaits it when it returns a
   * promise. Default none.
   */
  onStep?: (progress: SaliencyStep) => unknown;
  /**
   * Stops the computation before its next chunk; the call then rejects with a `NetlensError` of
   * code `'ABORTED'` and leaves no tensors behind. Default none.
   */
  signal?: AbortSignal;
}

/** Throws `NetlensError('ABORTED')` naming `name` when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, name: string): void {
  if (signal?.aborted) throw new NetlensError('ABORTED', `${name} was aborted.`, { cause: signal.reason });
}

/** Checks the `onStep` and `signal` options before any work starts. */
export function checkStepOptions(options: SaliencyStepOptions): void {
  const { onStep, signal } = options;
  if (onStep !== undefined && typeof onStep !== 'function') {
    throw new InvalidArgumentError('options.onStep', 'a function', typeof onStep);
  }
  if (
    signal !== undefined &&
    (signal === null || typeof signal !== 'object' || typeof (signal as AbortSignal).aborted !== 'boolean')
  ) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', String(signal));
  }
}

/** Checks a step count option: an integer in `[minimum, MAX_STEPS]`. */
export function checkStepCount(value: unknown, argument: string, minimum = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > MAX_STEPS) {
    throw new InvalidArgumentError(argument, `an integer in [${minimum}, ${MAX_STEPS}]`, String(value));
  }
  return value;
}

// A macrotask, so rendering, input and abort events run between chunks: setImmediate in Node; in
// browsers a MessageChannel message, which unlike setTimeout(0) is not clamped to 4 ms when nested.
/** Lets other work run between chunks (a browser tab stays responsive; an abort can arrive). */
export function yieldToEventLoop(): Promise<void> {
  const scope = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof scope.setImmediate === 'function') {
    const setImmediate = scope.setImmediate;
    return new Promise((resolve) => setImmediate(resolve));
  }
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(undefined);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
