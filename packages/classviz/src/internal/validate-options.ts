import { InvalidArgumentError } from '@netlens/backends';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

/** Throws `InvalidArgumentError(argument, …)` unless `value` is an integer ≥ `min`. */
export function assertInteger(value: unknown, argument: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(argument, `an integer ≥ ${min}`, describe(value));
  }
  return value;
}

/**
 * The most optimisation steps a run accepts: far beyond published settings (Lucid uses 512–4096),
 * small enough that a mistyped `1e9` fails at once.
 */
export const MAX_STEPS = 100_000;

/** Throws `InvalidArgumentError(argument, …)` unless `value` is an integer in `[min, MAX_STEPS]`. */
export function assertStepCount(value: unknown, argument: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_STEPS) {
    throw new InvalidArgumentError(argument, `an integer in [${min}, ${MAX_STEPS}]`, describe(value));
  }
  return value;
}

/** Throws unless `value` is a finite number, `> 0` (`strict`) or `≥ 0`. */
export function assertNonNegative(value: unknown, argument: string, strict = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (strict && value === 0)) {
    throw new InvalidArgumentError(
      argument,
      strict ? 'a finite number > 0' : 'a finite number ≥ 0',
      describe(value),
    );
  }
  return value;
}

/** Throws unless `value` is a finite number. */
export function assertFinite(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidArgumentError(argument, 'a finite number', describe(value));
  }
  return value;
}

/** Throws unless `value` is undefined or a boolean. */
export function assertOptionalBoolean(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(argument, 'a boolean', describe(value));
  }
}

/** Throws unless `value` is undefined or a function. */
export function assertOptionalFunction(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(argument, 'a function', describe(value));
  }
}

/** Throws unless `value` is undefined or an `AbortSignal`-like object. */
export function assertOptionalSignal(value: unknown, argument: string): void {
  if (value !== undefined && (typeof value !== 'object' || value === null || !('aborted' in value))) {
    throw new InvalidArgumentError(argument, 'an AbortSignal', describe(value));
  }
}

/** Throws unless `layer` is one of the model's tappable layers. */
export function assertLayerName(layer: unknown, layerNames: readonly string[], argument: string): string {
  if (typeof layer !== 'string' || !layerNames.includes(layer)) {
    const known =
      layerNames.length > 0 ? `one of ${layerNames.join(', ')}` : 'a layer (this model exposes none)';
    throw new InvalidArgumentError(argument, known, describe(layer));
  }
  return layer;
}
