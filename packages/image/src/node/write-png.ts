import { stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { messageOf } from '../internal/decode-error';
import { encodePngPixels } from '../internal/png-codec';
import { pngBitDepth, pngLayout } from '../internal/png-layout';
import { describeValue } from '../internal/tensor-checks';
import type { EncodePngOptions } from './encode-png';

const EXPECTED_PATH = 'a file path or file: URL in an existing, writable folder';

/** The errors that mean the path is at fault (not the disk or the system). */
const PATH_ERRORS = new Set([
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENAMETOOLONG',
  'ELOOP',
]);

function toPath(path: unknown): string {
  if (path instanceof URL) {
    try {
      return fileURLToPath(path);
    } catch (error) {
      throw new InvalidArgumentError('path', EXPECTED_PATH, `the URL ${path.href}`, { cause: error });
    }
  }
  if (typeof path !== 'string' || path.length === 0) {
    throw new InvalidArgumentError('path', EXPECTED_PATH, describeValue(path));
  }
  return path;
}

/**
 * Writes one image to a PNG file: {@link encodePng}, reading the tensor asynchronously (so it works
 * on every backend without a blocking GPU read), then `fs.writeFile`. Parent folders are not
 * created: a missing folder is more often a typo than a wish, and is reported before the tensor is
 * read.
 *
 * @param path - where to write, a path or a `file:` URL; an existing file is replaced.
 * @param image - `[H, W, C]` or `[1, H, W, C]`, float in [0, 1], C = 1, 2, 3 or 4. Not disposed.
 * @param options - `bitDepth` (default 8).
 * @returns a promise that resolves once the file is written.
 * @throws InvalidArgumentError (`path`) when the folder does not exist, the path is a folder, or
 * it cannot be written (permissions, read-only file system); the message names the path and the
 * system's reason. Other I/O failures (a full disk) are Node's own errors.
 *
 * ```ts
 * import { writePng } from '@netlens/image/node';
 * await writePng('saliency.png', overlay(image, heatmap));
 * ```
 */
export async function writePng(
  path: string | URL,
  image: tf.Tensor3D | tf.Tensor4D,
  options: EncodePngOptions = {},
): Promise<void> {
  const filePath = toPath(path);
  const [height, width, channels] = pngLayout(image, 'image');
  const bitDepth = pngBitDepth(options.bitDepth);
  const folder = dirname(filePath);
  let folderIsDirectory: boolean;
  try {
    folderIsDirectory = (await stat(folder)).isDirectory();
  } catch (error) {
    throw new InvalidArgumentError(
      'path',
      EXPECTED_PATH,
      `'${filePath}', whose folder '${folder}' does not exist (${messageOf(error)})`,
      { cause: error },
    );
  }
  if (!folderIsDirectory) {
    throw new InvalidArgumentError(
      'path',
      EXPECTED_PATH,
      `'${filePath}', whose parent '${folder}' is not a folder`,
    );
  }
  const values = await image.data();
  try {
    await writeFile(filePath, encodePngPixels(values, height, width, channels, bitDepth));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && PATH_ERRORS.has(code)) {
      throw new InvalidArgumentError('path', EXPECTED_PATH, `'${filePath}' (${messageOf(error)})`, {
        cause: error,
      });
    }
    throw error;
  }
}
