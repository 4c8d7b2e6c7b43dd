import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';

/** Checks that an optional `signal` option is an `AbortSignal`-like object. */
export function assertSignal(signal: unknown, argument: string): asserts signal is AbortSignal | undefined {
  if (
    signal !== undefined &&
    (signal === null || typeof signal !== 'object' || typeof (signal as AbortSignal).aborted !== 'boolean')
  ) {
    throw new InvalidArgumentError(argument, 'an AbortSignal', String(signal));
  }
}

/** Throws the typed `ABORTED` error when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined, name: string): void {
  if (signal?.aborted) throw new NetlensError('ABORTED', `${name} was aborted.`, { cause: signal.reason });
}

// A macrotask, so that an abort event can run between decoding steps: setImmediate in Node; in
// browsers a MessageChannel message, which unlike setTimeout(0) is not clamped to 4 ms when nested.
/** Lets other work run between steps (an abort can arrive; a browser tab stays responsive). */
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

/**
 * Refuses features holding NaN or ±Infinity, naming the first: a recurrent decoder turns them into
 * NaN scores for every word, and `argMax` of NaN picks word 0 (`<NULL>`) for the whole caption.
 */
export async function assertFiniteFeatures(argument: string, features: tf.Tensor2D): Promise<void> {
  const values = await features.data();
  const columns = features.shape[1];
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) {
      throw new InvalidArgumentError(
        argument,
        'finite feature values',
        `${value} at [${Math.floor(i / columns)}, ${i % columns}]`,
      );
    }
  }
}
