import { InvalidArgumentError } from '@netlens/backends';
import { expect } from 'vitest';

/** Asserts that `promise` rejects with an `InvalidArgumentError` naming `argument`. */
export async function expectInvalidArgument(promise: Promise<unknown>, argument: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InvalidArgumentError);
  expect((error as InvalidArgumentError).argument).toBe(argument);
}

/** Softmax of float64 logits. */
export function softmax(logits: readonly number[]): number[] {
  const top = Math.max(...logits);
  const exps = logits.map((z) => Math.exp(z - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}
