import { CliError } from './cli-error';

/**
 * A class given on the command line: an index, or a class name (case-insensitive; for ImageNet the
 * first comma-separated synonym is enough). Throws a usage error naming the option otherwise.
 */
export function parseClass(
  option: string,
  value: string,
  numClasses: number,
  classNames?: readonly string[],
): number {
  if (/^\d+$/.test(value)) {
    const index = Number(value);
    if (index < numClasses) return index;
    throw new CliError(
      `${option}: class ${index} is out of range; the model has classes 0…${numClasses - 1}.`,
    );
  }
  const wanted = value.trim().toLowerCase();
  const index =
    classNames?.findIndex((name) =>
      name
        .toLowerCase()
        .split(',')
        .some((synonym) => synonym.trim() === wanted),
    ) ?? -1;
  if (index >= 0) return index;
  throw new CliError(
    `${option}: unknown class '${value}'; give an index 0…${numClasses - 1}${classNames ? ' or a class name' : ''}.`,
  );
}

/**
 * A number option within `[min, max]` (or `(greaterThan, max]`), or a usage error naming it. Bounds
 * mirror what the algorithm accepts, so a bad number is a usage error (exit 2) before any work.
 */
export function parseNumber(
  option: string,
  value: string | undefined,
  fallback: number,
  { min = -Infinity, max = Infinity, integer = false, greaterThan = undefined as number | undefined } = {},
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(parsed) ||
    parsed < min ||
    parsed > max ||
    (greaterThan !== undefined && !(parsed > greaterThan)) ||
    (integer && !Number.isInteger(parsed))
  ) {
    const kind = integer ? 'an integer' : 'a number';
    const lower = greaterThan !== undefined ? `> ${greaterThan}` : Number.isFinite(min) ? `≥ ${min}` : '';
    const upper = Number.isFinite(max) ? `≤ ${max}` : '';
    const range =
      greaterThan === undefined && Number.isFinite(min) && Number.isFinite(max)
        ? ` in [${min}, ${max}]`
        : [lower, upper].filter(Boolean).length > 0
          ? ` ${[lower, upper].filter(Boolean).join(' and ')}`
          : '';
    throw new CliError(`${option}: expected ${kind}${range}, got '${value}'.`);
  }
  return parsed;
}

/** Comma-separated choices, each checked against `allowed`. */
export function parseChoices<T extends string>(option: string, value: string, allowed: readonly T[]): T[] {
  const chosen = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  const unknown = chosen.filter((entry) => !(allowed as readonly string[]).includes(entry));
  if (unknown.length > 0 || chosen.length === 0) {
    throw new CliError(
      `${option}: unknown '${unknown.join(', ') || value}'; choose from ${allowed.join(', ')}.`,
    );
  }
  return chosen as T[];
}

/** Default of `--timeout`, in seconds: the library's own default for each download. */
export const DEFAULT_TIMEOUT_SECONDS = 60;

/** `--timeout <seconds>` (for URL models: each download's limit) in milliseconds. */
export function parseTimeout(value: string | undefined): number {
  return Math.round(
    parseNumber('--timeout', value, DEFAULT_TIMEOUT_SECONDS, { greaterThan: 0, max: 24 * 60 * 60 }) * 1000,
  );
}
