import { NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** What `onStep` receives after each step of an iterative attack. */
export interface AttackStep {
  /** Steps done so far, from 1. */
  step: number;
  /** Steps the attack runs at most. */
  numSteps: number;
  /** The current adversarial images; valid during the callback only (`tf.clone` to keep them). */
  images: tf.Tensor4D;
}

/** Options of every iterative attack: progress and cancellation. */
export interface StepOptions<S extends AttackStep = AttackStep> {
  /** Called after every step; the attack awaits it when it returns a promise. */
  onStep?: (step: S) => void | Promise<void>;
  /** Stops the attack before its next step; it then rejects with a `NetlensError` of code `'ABORTED'`. */
  signal?: AbortSignal;
}

/** Rejects with `NetlensError('ABORTED')` when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new NetlensError('ABORTED', 'The attack was aborted.', { cause: signal.reason });
}

/** Lets other work run between steps (a browser tab stays responsive; an abort can arrive). */
export function yieldToEventLoop(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  // Browsers clamp nested setTimeout(0) to 4 ms; a message is delivered as soon as the loop is free.
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs `numSteps` steps of an iterative attack, each in its own `tf.tidy`: `step` maps the carry
 * (a record of tensors, `images` among them) to the next, and the previous carry is disposed. The
 * initial carry is owned by this function; the final carry is returned (the caller disposes it).
 * On error or abort every tensor of the carry is disposed.
 */
export async function runSteps<C extends { images: tf.Tensor4D } & Record<string, tf.Tensor>>(
  initial: C,
  numSteps: number,
  step: (carry: C, index: number) => C,
  { onStep, signal }: StepOptions,
): Promise<C> {
  let carry = initial;
  try {
    for (let index = 0; index < numSteps; index++) {
      throwIfAborted(signal);
      const previous = carry;
      carry = tf.tidy(() => step(previous, index));
      tf.dispose(Object.values(previous));
      await onStep?.({ step: index + 1, numSteps, images: carry.images });
      await yieldToEventLoop();
    }
  } catch (error) {
    tf.dispose(Object.values(carry));
    throw error;
  }
  return carry;
}
