import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { messageOf } from '../internal/decode-error';
import { describeValue } from '../internal/tensor-checks';
import { type DecodeImageOptions, decodeImage } from './decode-image';

/**
 * Reads a PNG or JPEG file (or bytes already in memory) into a float32 image batch
 * `[1, height, width, channels]` in [0, 1]. The format comes from the file's magic bytes, not its
 * extension. See {@link decodeImage} for the options, what is supported and the errors; errors
 * name the path.
 *
 * @param input - a file path, a `file:` URL, or the encoded bytes.
 * @param options - channel layout, alpha handling, size limit; see {@link DecodeImageOptions}.
 * @returns a promise of a new `[1, H, W, C]` float32 tensor (C = 3 by default).
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { readImage } from '@netlens/image/node';
 * const image = await readImage('examples/cat.jpg'); // [1, H, W, 3]
 * ```
 */
export async function readImage(
  input: string | URL | Uint8Array,
  options: DecodeImageOptions = {},
): Promise<tf.Tensor4D> {
  if (input instanceof Uint8Array) return decodeImage(input, options);
  if (typeof input !== 'string' && !(input instanceof URL)) {
    throw new InvalidArgumentError('input', 'a file path, a file: URL or a Uint8Array', describeValue(input));
  }
  const path = input instanceof URL ? fileURLToPath(input) : input;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new NetlensError('IMAGE_DECODE', `Cannot read image file '${path}': ${messageOf(error)}`, {
      cause: error,
    });
  }
  return decodeImage(bytes, { ...options, sourceName: options.sourceName ?? `'${path}'` });
}
