import { InvalidArgumentError } from '@netlens/backends';
import { type ImageFormat, sniffImageFormat } from './internal/image-format';
import { describeValue } from './internal/tensor-checks';

export type { ImageFormat } from './internal/image-format';

/**
 * Identifies an image file's format from its magic bytes (PNG, JPEG, GIF, BMP, WebP, TIFF, AVIF,
 * HEIC), never from a name. Browser-safe; the decoders live in `@netlens/image/node`.
 *
 * @param bytes - the start of the file (the first 16 bytes are enough).
 * @returns the format, or `'unknown'`.
 *
 * ```ts
 * detectImageFormat(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])); // 'png'
 * ```
 */
export function detectImageFormat(bytes: Uint8Array): ImageFormat {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError('bytes', 'a Uint8Array', describeValue(bytes));
  }
  return sniffImageFormat(bytes);
}
