import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** One expected dimension: a size, or `null` for any size. */
export type Dimension = number | null;

function describe(value: unknown): string {
  if (value instanceof tf.Tensor) return `a ${value.dtype} tensor of shape [${value.shape}]`;
  if (value === null) return 'null';
  return typeof value;
}

/**
 * Asserts that `value` is a live tensor of the given shape (`null` = any size) and, when given, dtype.
 * The error names `argument` and shows the expected shape with `names` (`[N, T, D]`).
 */
export function assertShape(
  argument: string,
  value: unknown,
  shape: readonly Dimension[],
  names: readonly string[],
  dtype?: 'float32' | 'int32',
): asserts value is tf.Tensor {
  const expected = `a ${dtype ?? ''}${dtype ? ' ' : ''}tensor of shape [${shape
    .map((size, axis) => (size === null ? names[axis] : `${names[axis]}=${size}`))
    .join(', ')}]`;
  if (!(value instanceof tf.Tensor) || value.isDisposed) {
    throw new InvalidArgumentError(
      argument,
      expected,
      value instanceof tf.Tensor ? 'a disposed tensor' : describe(value),
    );
  }
  const ok =
    value.rank === shape.length &&
    shape.every((size, axis) => size === null || value.shape[axis] === size) &&
    (dtype === undefined || value.dtype === dtype);
  if (!ok) throw new InvalidArgumentError(argument, expected, describe(value));
}

/** Asserts a batch is not empty (`N ≥ 1`). */
export function assertNonEmpty(argument: string, value: tf.Tensor, what = 'N'): void {
  if (value.shape[0] === 0)
    throw new InvalidArgumentError(argument, `a non-empty batch (${what} ≥ 1)`, `${what} = 0`);
}

/** Asserts `value` is a finite number in `[min, max]` (and an integer when `integer`). */
export function assertNumber(
  argument: string,
  value: unknown,
  { min = Number.NEGATIVE_INFINITY, max = Number.POSITIVE_INFINITY, integer = false } = {},
): asserts value is number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= min &&
    value <= max &&
    (!integer || Number.isInteger(value));
  if (!ok) {
    const range = `${min === Number.NEGATIVE_INFINITY ? '' : `≥ ${min}`}${
      min !== Number.NEGATIVE_INFINITY && max !== Number.POSITIVE_INFINITY ? ' and ' : ''
    }${max === Number.POSITIVE_INFINITY ? '' : `≤ ${max}`}`;
    throw new InvalidArgumentError(
      argument,
      `${integer ? 'an integer' : 'a finite number'} ${range}`.trim(),
      String(value),
    );
  }
}

/** Asserts every id of an int32 tensor is in `[0, size)`, reading it asynchronously. */
export async function assertIdsInRange(argument: string, ids: tf.Tensor, size: number): Promise<void> {
  const values = await ids.data();
  const columns = ids.shape[ids.rank - 1] ?? 1;
  for (let i = 0; i < values.length; i++) {
    const id = values[i] as number;
    if (!(id >= 0 && id < size)) {
      const where = ids.rank === 2 ? `[${Math.floor(i / columns)}, ${i % columns}]` : `[${i}]`;
      throw new InvalidArgumentError(
        argument,
        `word ids in [0, ${size}) (the vocabulary size)`,
        `${id} at ${where}`,
      );
    }
  }
}

/**
 * Checks the weights of a recurrent cell with `gates` blocks of `H` columns: `Wx [D, gates·H]`,
 * `Wh [H, gates·H]`, `b [gates·H]`.
 */
export function assertCellWeights(
  Wx: unknown,
  Wh: unknown,
  b: unknown,
  inputSize: number,
  hiddenSize: number,
  gates: number,
): void {
  const columns = gates === 1 ? 'H' : `${gates}H`;
  assertShape('Wx', Wx, [inputSize, gates * hiddenSize], ['D', columns], 'float32');
  assertShape('Wh', Wh, [hiddenSize, gates * hiddenSize], ['H', columns], 'float32');
  assertShape('b', b, [gates * hiddenSize], [columns], 'float32');
}

/** Checks the inputs of one recurrent step: `x [N, D]`, `prevH [N, H]` and the cell weights. */
export function assertStepInputs(
  x: unknown,
  prevH: unknown,
  Wx: unknown,
  Wh: unknown,
  b: unknown,
  gates: number,
): void {
  assertShape('x', x, [null, null], ['N', 'D'], 'float32');
  const [n, d] = (x as tf.Tensor).shape as [number, number];
  assertShape('prevH', prevH, [n, null], ['N', 'H'], 'float32');
  assertCellWeights(Wx, Wh, b, d, (prevH as tf.Tensor).shape[1] as number, gates);
}

/** Checks the inputs of a sequence layer: `x [N, T, D]` with `T ≥ 1`, `h0 [N, H]` and the cell weights. */
export function assertSequenceInputs(
  x: unknown,
  h0: unknown,
  Wx: unknown,
  Wh: unknown,
  b: unknown,
  gates: number,
): void {
  assertShape('x', x, [null, null, null], ['N', 'T', 'D'], 'float32');
  const [n, t, d] = (x as tf.Tensor).shape as [number, number, number];
  if (t === 0) throw new InvalidArgumentError('x', 'at least one timestep (T ≥ 1)', 'T = 0');
  assertShape('h0', h0, [n, null], ['N', 'H'], 'float32');
  assertCellWeights(Wx, Wh, b, d, (h0 as tf.Tensor).shape[1] as number, gates);
}
