import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';

/** Size limits and time limits of one model load, with defaults applied. */
export interface LoadLimits {
  /** Largest `model.json` read, in bytes. */
  maxModelJsonBytes: number;
  /** Largest total of weight bytes a manifest may declare. */
  maxWeightBytes: number;
}

/** Default {@link LoadLimits.maxModelJsonBytes}: 32 MiB, ten times the largest tfjs-converter graphs seen. */
export const DEFAULT_MAX_MODEL_JSON_BYTES = 32 * 1024 * 1024;
/** Default {@link LoadLimits.maxWeightBytes}: 1 GiB, four times VGG-16's weights. */
export const DEFAULT_MAX_WEIGHT_BYTES = 1024 * 1024 * 1024;
/**
 * Most weight files one manifest may list: tfjs-converter writes 4 MiB shards, so 4096 of them hold
 * 16 GiB, far past {@link DEFAULT_MAX_WEIGHT_BYTES}; more is a manifest built to exhaust file handles
 * or requests.
 */
export const MAX_WEIGHT_FILES = 4096;

/** Default limit on each HTTP request of a model load, with its body: 60 s. */
export const DEFAULT_TIMEOUT_MS = 60_000;

const checkLimit = (value: number | undefined, name: string, fallback: number): number => {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(name, 'a positive integer number of bytes', String(value));
  }
  return value;
};

/** Validates the size options and fills in their defaults. */
export function loadLimits(options: { maxModelJsonBytes?: number; maxWeightBytes?: number }): LoadLimits {
  return {
    maxModelJsonBytes: checkLimit(
      options.maxModelJsonBytes,
      'options.maxModelJsonBytes',
      DEFAULT_MAX_MODEL_JSON_BYTES,
    ),
    maxWeightBytes: checkLimit(options.maxWeightBytes, 'options.maxWeightBytes', DEFAULT_MAX_WEIGHT_BYTES),
  };
}

/** Validates `options.timeoutMs` and fills in its default. */
export function timeoutOf(timeoutMs: number | undefined): number {
  if (timeoutMs === undefined) return DEFAULT_TIMEOUT_MS;
  if (!(typeof timeoutMs === 'number' && timeoutMs > 0 && timeoutMs <= 2 ** 31 - 1)) {
    throw new InvalidArgumentError(
      'options.timeoutMs',
      'a number of milliseconds in (0, 2147483647]',
      String(timeoutMs),
    );
  }
  return timeoutMs;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** One manifest group, checked: its files and the bytes its tensors need. */
export interface CheckedGroup {
  paths: readonly string[];
  weights: readonly tf.io.WeightsManifestEntry[];
  /** Bytes the group's tensors occupy in its files; `undefined` when a string tensor makes it unknowable. */
  bytes: number | undefined;
}

const isDimension = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/**
 * Checks the structure of a `weightsManifest` read from an untrusted `model.json` and computes each
 * group's byte count from its shapes and dtypes, before any file is opened or any byte allocated:
 * shapes are lists of non-negative integers, dtypes are tfjs' own, paths are non-empty strings, and
 * the declared total stays within `maxWeightBytes`.
 *
 * @param manifest - the `weightsManifest` field (may be missing: a model without weights).
 * @param label - names `model.json` in messages.
 * @param maxWeightBytes - the largest total the manifest may declare.
 */
export function checkManifest(manifest: unknown, label: string, maxWeightBytes: number): CheckedGroup[] {
  if (manifest === undefined || manifest === null) return [];
  const fail = (what: string): never => {
    throw new NetlensError('MODEL_LOAD', `The weightsManifest of ${label} is malformed: ${what}.`);
  };
  if (!Array.isArray(manifest)) fail('it is not a list of groups');
  let total = 0;
  let files = 0;
  return (manifest as unknown[]).map((group, g) => {
    const { paths, weights } = (group ?? {}) as { paths?: unknown; weights?: unknown };
    if (!Array.isArray(paths) || paths.some((path) => typeof path !== 'string' || path.length === 0)) {
      fail(`group ${g} has no list of file names in 'paths'`);
    }
    if (!Array.isArray(weights)) fail(`group ${g} has no 'weights' list`);
    files += (paths as string[]).length;
    if (files > MAX_WEIGHT_FILES) fail(`it lists more than ${MAX_WEIGHT_FILES} weight files`);
    let bytes: number | undefined = 0;
    for (const entry of weights as unknown[]) {
      const { name, shape, dtype, quantization } = (entry ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string') fail(`a tensor of group ${g} has no name`);
      if (!Array.isArray(shape) || !shape.every(isDimension)) {
        fail(
          `tensor '${String(name)}' has shape ${JSON.stringify(shape)}, not a list of non-negative integers`,
        );
      }
      const quantized = (quantization as { dtype?: unknown } | undefined)?.dtype;
      const perElement =
        quantization === undefined ? DTYPE_BYTES[String(dtype)] : QUANTIZED_BYTES[String(quantized)];
      if (perElement === undefined && !(dtype === 'string' && quantization === undefined)) {
        fail(
          `tensor '${String(name)}' has dtype ${JSON.stringify(quantized ?? dtype)}, which tfjs cannot read`,
        );
      }
      if (perElement === undefined || bytes === undefined) {
        bytes = undefined;
        continue;
      }
      // Multiplying in floating point cannot overflow silently: a huge product exceeds the limit.
      const tensorBytes = (shape as number[]).reduce((product, dimension) => product * dimension, perElement);
      bytes += tensorBytes;
      total += tensorBytes;
      if (total > maxWeightBytes) {
        throw new NetlensError(
          'MODEL_LOAD',
          `The weightsManifest of ${label} declares more than ${maxWeightBytes} bytes of weights ` +
            `(tensor '${String(name)}' [${(shape as number[]).join(', ')}] alone needs ${tensorBytes}); ` +
            'raise options.maxWeightBytes if the model is really that large.',
        );
      }
    }
    return {
      paths: paths as string[],
      weights: weights as tf.io.WeightsManifestEntry[],
      bytes,
    };
  });
}
