import { NetlensError } from '@netlens/backends';
import { expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import type { SaliencyStep, SaliencyStepOptions } from '../internal/steps';

/** A chunked saliency call under test, with `onStep`/`signal` and a fixed chunk size passed in. */
export type SteppedCall = (options: SaliencyStepOptions & { internalBatchSize?: number }) => Promise<unknown>;

function disposeResult(result: unknown): void {
  if (result instanceof tf.Tensor) result.dispose();
  else if (result !== null && typeof result === 'object' && 'attributions' in result) {
    (result as { attributions: tf.Tensor }).attributions.dispose();
  }
}

async function abortedWith(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (result) => {
      disposeResult(result);
      return undefined;
    },
    (caught: unknown) => caught,
  );
}

/**
 * The progress and cancellation contract every chunked saliency function keeps, as `it` blocks for
 * the current suite: `onStep` after every chunk up to `total`; a fired `signal` rejects with
 * `NetlensError('ABORTED')` before the next chunk, leaving no tensors; the event loop runs between
 * chunks (an abort from a timer arrives mid-run). `chunk` is the `internalBatchSize` that makes
 * `total / chunk` chunks, at least 3 (`undefined` for a function that counts chunks itself).
 */
export function itKeepsTheStepContract(
  name: string,
  call: SteppedCall,
  total: number,
  chunk: number | undefined,
): void {
  it(`${name}: reports progress after every chunk, reaching ${total}`, async () => {
    await expectNoLeak(async () => {
      const seen: SaliencyStep[] = [];
      disposeResult(await call({ internalBatchSize: chunk, onStep: (step) => void seen.push(step) }));
      const expected = Array.from({ length: Math.ceil(total / (chunk ?? 1)) }, (_, index) =>
        Math.min(total, (index + 1) * (chunk ?? 1)),
      );
      expect(seen.map((step) => step.step)).toEqual(expected);
      expect(seen.every((step) => step.numSteps === total)).toBe(true);
    });
  });

  it(`${name}: rejects with ABORTED before any work when the signal has fired`, async () => {
    await expectNoLeak(async () => {
      const controller = new AbortController();
      controller.abort(new Error('user stop'));
      let steps = 0;
      const error = await abortedWith(
        call({ internalBatchSize: chunk, signal: controller.signal, onStep: () => void steps++ }),
      );
      expect(error).toBeInstanceOf(NetlensError);
      expect((error as NetlensError).code).toBe('ABORTED');
      expect((error as Error).message).toContain(name);
      expect(((error as Error).cause as Error).message).toBe('user stop');
      expect(steps).toBe(0);
    });
  });

  it(`${name}: stops at the next chunk when aborted during one, leaving no tensors`, async () => {
    await expectNoLeak(async () => {
      const controller = new AbortController();
      const seen: number[] = [];
      const error = await abortedWith(
        call({
          internalBatchSize: chunk,
          signal: controller.signal,
          onStep: ({ step }) => {
            seen.push(step);
            controller.abort();
          },
        }),
      );
      expect((error as NetlensError).code).toBe('ABORTED');
      expect(seen).toEqual([chunk ?? 1]);
    });
  });

  it(`${name}: yields to the event loop between chunks, so a timer's abort arrives`, async () => {
    await expectNoLeak(async () => {
      const controller = new AbortController();
      let last = 0;
      let timerFired = false;
      const pending = call({
        internalBatchSize: chunk,
        signal: controller.signal,
        onStep: ({ step }) => {
          last = step;
          // Makes the timer due; it can only run if the call gives the event loop a turn.
          const until = performance.now() + 5;
          while (performance.now() < until) {}
        },
      });
      setTimeout(() => {
        timerFired = true;
        controller.abort();
      }, 0);
      const error = await abortedWith(pending);
      expect(timerFired).toBe(true);
      expect((error as NetlensError).code).toBe('ABORTED');
      expect(last).toBeLessThan(total);
    });
  });
}
