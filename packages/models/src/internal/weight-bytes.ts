import { NetlensError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';

/** Where one tensor's bytes lie in the concatenated weight data of a model. */
export interface TensorByteRange {
  readonly name: string;
  readonly shape: readonly number[];
  readonly start: number;
  readonly end: number;
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };
const QUANTIZED_BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2 };

/** Bytes one tensor occupies on disk, or `undefined` when it has no fixed size (string tensors). */
function tensorBytes(spec: tf.io.WeightsManifestEntry): number | undefined {
  const size = spec.shape.reduce((product, dimension) => product * dimension, 1);
  const perElement = spec.quantization ? QUANTIZED_BYTES[spec.quantization.dtype] : DTYPE_BYTES[spec.dtype];
  return perElement === undefined ? undefined : size * perElement;
}

/**
 * The byte range of every tensor in `specs`, in manifest order (the order tfjs concatenates them),
 * or `undefined` when a tensor's size cannot be known in advance (string tensors).
 */
export function tensorByteRanges(
  specs: readonly tf.io.WeightsManifestEntry[],
): TensorByteRange[] | undefined {
  const ranges: TensorByteRange[] = [];
  let offset = 0;
  for (const spec of specs) {
    const bytes = tensorBytes(spec);
    if (bytes === undefined) return undefined;
    ranges.push({ name: spec.name, shape: spec.shape, start: offset, end: offset + bytes });
    offset += bytes;
  }
  return ranges;
}

/**
 * Throws a `MODEL_LOAD` error when `available` bytes do not match what the manifest's shapes and
 * dtypes need, naming the first tensor whose bytes are missing (tfjs would otherwise fail later with
 * an offset error, or silently read garbage when the file is longer than the manifest says).
 *
 * @param specs - the weight entries in manifest order.
 * @param available - bytes actually present.
 * @param where - names the data for the message (a file, a group of files, a URL).
 */
export function checkWeightBytes(
  specs: readonly tf.io.WeightsManifestEntry[],
  available: number,
  where: string,
): void {
  const ranges = tensorByteRanges(specs);
  if (!ranges) return;
  const needed = ranges.at(-1)?.end ?? 0;
  if (available < needed) {
    const first = ranges.find((range) => range.end > available) as TensorByteRange;
    throw new NetlensError(
      'MODEL_LOAD',
      `${where} is ${needed - available} bytes shorter than its weights manifest says (${available} of ${needed} bytes): ` +
        `tensor '${first.name}' [${first.shape.join(', ')}] needs bytes ${first.start}–${first.end} but the data ends at ${available}. ` +
        'The file is truncated or the manifest does not belong to it.',
    );
  }
  if (available > needed) {
    throw new NetlensError(
      'MODEL_LOAD',
      `${where} has ${available - needed} more bytes than its weights manifest describes (${available} instead of ${needed}): ` +
        'the shapes or dtypes in the manifest do not match the weight file.',
    );
  }
}
