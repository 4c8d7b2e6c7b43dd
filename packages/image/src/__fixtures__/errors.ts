import { expect } from 'vitest';

/** Runs `body`, expecting it to throw; returns the error for further checks. */
export function thrown(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  return expect.fail('expected an error, none was thrown');
}

/** As {@link thrown}, for async bodies. */
export async function rejected(body: () => Promise<unknown>): Promise<unknown> {
  try {
    await body();
  } catch (error) {
    return error;
  }
  return expect.fail('expected a rejection, the promise resolved');
}
