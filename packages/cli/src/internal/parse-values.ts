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

/** A number option within `[min, max]`, or a usage error naming it. */
export function parseNumber(
  option: string,
  value: string | undefined,
  fallback: number,
  { min = -Infinity, max = Infinity, integer = false } = {},
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (
    value.trim() === '' ||
    !Number.isFinite(parsed) ||
    parsed < min ||
    parsed > max ||
    (integer && !Number.isInteger(parsed))
  ) {
    const kind = integer ? 'an integer' : 'a number';
    const range =
      Number.isFinite(min) && Number.isFinite(max)
        ? ` in [${min}, ${max}]`
        : Number.isFinite(min)
          ? ` ≥ ${min}`
          : Number.isFinite(max)
            ? ` ≤ ${max}`
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
