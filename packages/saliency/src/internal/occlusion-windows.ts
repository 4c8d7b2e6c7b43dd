import { InvalidArgumentError } from '@netlens/backends';

/** A `[height, width]` pair of positive integers. */
export type Extent = [number, number];

/**
 * Reads a window or stride option: one positive integer for both sides or a `[height, width]` pair,
 * each side at most `limit` when given.
 */
export function parseExtent(value: unknown, argumentName: string, limit?: Extent): Extent {
  const pair = typeof value === 'number' ? [value, value] : value;
  const expected = limit
    ? `a positive integer or [height, width] of them, at most [${limit}]`
    : 'a positive integer or [height, width] of them';
  if (
    !Array.isArray(pair) ||
    pair.length !== 2 ||
    !pair.every((side) => Number.isInteger(side) && (side as number) > 0)
  ) {
    throw new InvalidArgumentError(argumentName, expected, JSON.stringify(value) ?? String(value));
  }
  const extent = pair as Extent;
  if (limit && (extent[0] > limit[0] || extent[1] > limit[1])) {
    throw new InvalidArgumentError(argumentName, expected, `[${extent}]`);
  }
  return extent;
}

/**
 * Start offsets of a window of `size` sliding by `stride` over `length`: `0, stride, 2·stride, …`
 * while the window fits, plus a last one flush with the far edge when the stride skips it, so that
 * every position is covered.
 */
export function windowStarts(length: number, size: number, stride: number): number[] {
  const starts: number[] = [];
  for (let start = 0; start + size <= length; start += stride) starts.push(start);
  const last = starts.at(-1) as number;
  if (last + size < length) starts.push(length - size);
  return starts;
}
