import { constants, type Stats } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { formatBytes } from '../internal/decode-budget';
import { messageOf } from '../internal/decode-error';
import { assertIntegerInRange, describeValue } from '../internal/tensor-checks';
import { type DecodeImageOptions, decodeImage } from './decode-image';

/** Options for {@link readImage}: those of {@link decodeImage} plus a file size cap. */
export interface ReadImageOptions extends DecodeImageOptions {
  /**
   * Largest file, in bytes, that is read; a bigger file is refused from its size before any of it
   * is read. Default 268 435 456 (256 MiB): several times the largest PNG or JPEG that fits the
   * default decoding budget (`maxMemoryBytes`, 1 GiB), so it only stops files that could never be
   * decoded anyway.
   */
  maxFileBytes?: number;
}

/** Default `maxFileBytes`: 256 MiB. */
const DEFAULT_MAX_FILE_BYTES = 256 * 1024 ** 2;

function readError(path: string, problem: string, cause?: unknown): NetlensError {
  return new NetlensError(
    'IMAGE_DECODE',
    `Cannot read image file '${path}': ${problem}`,
    cause === undefined ? undefined : { cause },
  );
}

function describeKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The path a string or URL input names, or a typed error for URLs that are not `file:`. */
function toPath(input: string | URL): string {
  const url =
    input instanceof URL ? input : /^[a-z][a-z\d+.-]+:\/\//i.test(input) ? new URL(input) : undefined;
  if (url === undefined) return input as string;
  if (url.protocol !== 'file:') {
    throw new InvalidArgumentError(
      'input',
      'a file path, a file: URL or a Uint8Array (readImage does not fetch; download http(s) images ' +
        'with your own timeout and size limit, then pass the bytes)',
      `the ${url.protocol} URL ${url.href}`,
    );
  }
  try {
    return fileURLToPath(url);
  } catch (error) {
    throw new InvalidArgumentError('input', 'a file: URL of a local file', url.href, { cause: error });
  }
}

/**
 * Reads at most `maxFileBytes + 1` bytes of an open regular file: its size can change between the
 * check and the read, and a file that grows past the cap is refused like one that was too big.
 */
async function readCapped(handle: FileHandle, size: number, maxFileBytes: number, path: string) {
  const buffer = new Uint8Array(Math.min(size, maxFileBytes) + 1);
  let filled = 0;
  for (;;) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
    if (filled === buffer.length) {
      if (filled > maxFileBytes) {
        throw readError(
          path,
          `it is larger than options.maxFileBytes = ${maxFileBytes} (${formatBytes(maxFileBytes)})`,
        );
      }
      break;
    }
  }
  return buffer.subarray(0, filled);
}

/**
 * Reads a PNG or JPEG file (or bytes already in memory) into a float32 image batch
 * `[1, height, width, channels]` in [0, 1]. The format comes from the file's magic bytes, not its
 * extension. See {@link decodeImage} for the decoding options, what is supported and the errors;
 * errors name the path.
 *
 * Only regular files are read (symbolic links to them are followed): a directory, a device such as
 * `/dev/zero`, a FIFO or a socket is refused from `fstat` without reading, and so is a file larger
 * than `maxFileBytes` (default 256 MiB). `http:`/`https:` URLs are refused with an
 * `InvalidArgumentError`: fetch remote images yourself, with a timeout and a size limit, and pass
 * the bytes.
 *
 * @param input - a file path, a `file:` URL, or the encoded bytes.
 * @param options - channel layout, alpha handling, size limits; see {@link ReadImageOptions}.
 * @returns a promise of a new `[1, H, W, C]` float32 tensor (C = 3 by default).
 * @throws NetlensError (`IMAGE_DECODE`) naming the path when the file cannot be opened, is not a
 * regular file, is too large, or does not decode.
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-cpu';
 * import { readImage } from '@netlens/image/node';
 * const image = await readImage('examples/cat.jpg'); // [1, H, W, 3]
 * ```
 */
export async function readImage(
  input: string | URL | Uint8Array,
  options: ReadImageOptions = {},
): Promise<tf.Tensor4D> {
  const { maxFileBytes: maxFileBytesOption, ...decodeOptions } = options;
  const maxFileBytes = assertIntegerInRange(
    maxFileBytesOption ?? DEFAULT_MAX_FILE_BYTES,
    'options.maxFileBytes',
    1,
    Number.MAX_SAFE_INTEGER,
  );
  if (input instanceof Uint8Array) return decodeImage(input, decodeOptions);
  if ((typeof input !== 'string' || input.length === 0) && !(input instanceof URL)) {
    throw new InvalidArgumentError('input', 'a file path, a file: URL or a Uint8Array', describeValue(input));
  }
  const path = toPath(input);
  let handle: FileHandle;
  try {
    // Non-blocking, so that opening a FIFO with no writer returns at once (it is then refused by
    // fstat) instead of holding a libuv thread until someone writes; regular files ignore the flag.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw readError(path, messageOf(error), error);
  }
  let bytes: Uint8Array;
  try {
    // fstat on the open handle, not stat on the path, so the file checked is the file read.
    const stats = await handle.stat();
    if (!stats.isFile()) throw readError(path, `it is ${describeKind(stats)}, not a regular file`);
    if (stats.size > maxFileBytes) {
      throw readError(
        path,
        `it is ${stats.size} bytes (${formatBytes(stats.size)}), larger than options.maxFileBytes = ` +
          `${maxFileBytes} (${formatBytes(maxFileBytes)})`,
      );
    }
    bytes = await readCapped(handle, stats.size, maxFileBytes, path);
  } catch (error) {
    if (error instanceof NetlensError) throw error;
    throw readError(path, messageOf(error), error);
  } finally {
    await handle.close();
  }
  return decodeImage(bytes, { ...decodeOptions, sourceName: decodeOptions.sourceName ?? `'${path}'` });
}
