import { InvalidArgumentError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';

/** `[1, 2, 3]` → `'shape [1, 2, 3]'`, for error messages. */
export function describeShape(shape: readonly number[]): string {
  return `shape [${shape.join(', ')}]`;
}

/** What a value that should have been a tensor was, for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}

/**
 * Duck-typed, so that a tensor made by a second copy of tfjs-core in the same process (a bundled
 * converter, say) is still accepted.
 */
export function isTensor(value: unknown): value is tf.Tensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { shape?: unknown }).shape) &&
    typeof (value as { dtype?: unknown }).dtype === 'string' &&
    typeof (value as { dataId?: unknown }).dataId === 'object'
  );
}

/** Throws `InvalidArgumentError(argument, expected, …)` unless `value` is a tensor of one of `ranks`. */
export function assertTensorRank(
  value: unknown,
  argument: string,
  ranks: readonly number[],
  expected: string,
): asserts value is tf.Tensor {
  if (!isTensor(value)) {
    throw new InvalidArgumentError(argument, expected, describeValue(value));
  }
  if (value.isDisposed) {
    throw new InvalidArgumentError(argument, expected, 'a disposed tensor');
  }
  if (!ranks.includes(value.rank)) {
    throw new InvalidArgumentError(argument, expected, `rank ${value.rank} (${describeShape(value.shape)})`);
  }
}

/** The last dimension of a tensor, which for NHWC images is the channel count. */
export function channelsOf(tensor: tf.Tensor): number {
  return tensor.shape[tensor.rank - 1] ?? 0;
}

/** Throws unless `value` is a finite number inside `[min, max]`. */
export function assertNumberInRange(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new InvalidArgumentError(argument, `a number in [${min}, ${max}]`, describeValue(value));
  }
  return value;
}

/** Throws unless `value` is an integer inside `[min, max]`. */
export function assertIntegerInRange(value: unknown, argument: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.POSITIVE_INFINITY ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new InvalidArgumentError(argument, `an integer ${range}`, describeValue(value));
  }
  return value;
}

/** Throws unless `value` is `[height, width]` with positive integers. */
export function assertSize(value: unknown, argument: string): [number, number] {
  const expected = 'a [height, width] pair of positive integers';
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((side) => typeof side === 'number' && Number.isInteger(side) && side > 0)
  ) {
    throw new InvalidArgumentError(
      argument,
      expected,
      Array.isArray(value) ? `[${value.join(', ')}]` : describeValue(value),
    );
  }
  return [value[0] as number, value[1] as number];
}

/** A colour as three numbers in [0, 1]; a single number means grey. */
export type Color = number | readonly [number, number, number];

/** Validates a colour option and expands a grey level to RGB. */
export function toRgb(value: Color, argument: string): [number, number, number] {
  const expected = 'a number in [0, 1] or an [r, g, b] triple in [0, 1]';
  const rgb: readonly unknown[] = typeof value === 'number' ? [value, value, value] : value;
  if (
    !Array.isArray(rgb) ||
    rgb.length !== 3 ||
    !rgb.every((c) => typeof c === 'number' && Number.isFinite(c) && c >= 0 && c <= 1)
  ) {
    throw new InvalidArgumentError(
      argument,
      expected,
      Array.isArray(value) ? `[${value.join(', ')}]` : describeValue(value),
    );
  }
  return [rgb[0] as number, rgb[1] as number, rgb[2] as number];
}
