import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { decodeError, messageOf } from '../internal/decode-error';
import { hexPreview, IMAGE_FORMAT_NAMES, sniffImageFormat } from '../internal/image-format';
import { decodeJpegPixels } from '../internal/jpeg-codec';
import { type JpegHeader, readJpegHeader } from '../internal/jpeg-structure';
import { applyOrientation, type DecodedPixels, toFloatPixels } from '../internal/pixel-conversion';
import { decodePngPixels } from '../internal/png-codec';
import { type PngHeader, readPngHeader } from '../internal/png-structure';
import { assertIntegerInRange, type Color, describeValue, toRgb } from '../internal/tensor-checks';

/** Options for {@link decodeImage} and {@link readImage}. */
export interface DecodeImageOptions {
  /**
   * Output colour channels. `'rgb'` (default) always gives 3 channels, repeating grey files;
   * `'grayscale'` gives 1 channel (BT.601 luma for colour files); `'source'` keeps what the file
   * stores (1 for grey PNG/JPEG, else 3).
   */
  colorMode?: 'rgb' | 'grayscale' | 'source';
  /**
   * What happens to transparency. `'drop'` (default, like PIL's `convert('RGB')`) discards it;
   * `'composite'` blends over {@link DecodeImageOptions.background}; `'keep'` appends it as the
   * last channel, 1 where the file has no alpha, so the channel count never depends on the file.
   */
  alpha?: 'drop' | 'composite' | 'keep';
  /** Background for `alpha: 'composite'`: a grey level or `[r, g, b]` in [0, 1]. Default 1 (white). */
  background?: Color;
  /**
   * Largest accepted `width × height`; bigger images are refused from their header, before any
   * pixel memory is allocated. Default 100 000 000 (100 megapixels).
   */
  maxPixels?: number;
  /** Rotate and mirror JPEGs as their EXIF orientation tag says, as viewers do. Default true. */
  applyExifOrientation?: boolean;
  /** How the input is named in error messages. Default `'from bytes'`; `readImage` passes the path. */
  sourceName?: string;
}

/** Default `maxPixels`: 100 megapixels, jpeg-js's own default cap. */
const DEFAULT_MAX_PIXELS = 100_000_000;

function decodePixels(
  bytes: Uint8Array,
  sourceName: string,
  maxPixels: number,
): { pixels: DecodedPixels; orientation: number } {
  const format = sniffImageFormat(bytes);
  if (format !== 'png' && format !== 'jpeg') {
    const detected =
      bytes.length === 0
        ? 'the input is empty (0 bytes)'
        : format === 'unknown'
          ? `the data is not a PNG or JPEG (first bytes: ${hexPreview(bytes)})`
          : `${IMAGE_FORMAT_NAMES[format]} is not supported (detected from its signature); convert it to PNG or JPEG`;
    throw decodeError(sourceName, detected);
  }
  const name = IMAGE_FORMAT_NAMES[format];
  let header: PngHeader | JpegHeader;
  try {
    header = format === 'png' ? readPngHeader(bytes) : readJpegHeader(bytes);
  } catch (error) {
    throw decodeError(sourceName, messageOf(error), error);
  }
  if (header.width * header.height > maxPixels) {
    throw decodeError(
      sourceName,
      `the ${name} is ${header.width}×${header.height} (${((header.width * header.height) / 1e6).toFixed(1)} megapixels), ` +
        `more than options.maxPixels = ${maxPixels}`,
    );
  }
  try {
    if ('orientation' in header) {
      return { pixels: decodeJpegPixels(bytes, header, maxPixels), orientation: header.orientation };
    }
    return { pixels: decodePngPixels(bytes, header), orientation: 1 };
  } catch (error) {
    const message = messageOf(error);
    // pngjs reports a cut-off stream as "read requests waiting on finished stream", jpeg-js as
    // "marker was not found"; say what that means.
    const truncated = /waiting|waitng|marker was not found|Ran out of data|unexpected end/i.test(message);
    throw decodeError(
      sourceName,
      message.startsWith('the ')
        ? message
        : `the ${name} data is corrupt${truncated ? ' or truncated' : ''} (${format === 'png' ? 'pngjs' : 'jpeg-js'}: ${message})`,
      error,
    );
  }
}

/**
 * Decodes PNG or JPEG bytes into a float32 image batch `[1, height, width, channels]` in [0, 1].
 * The format is sniffed from the magic bytes, never from a file name. Handles grey, palette,
 * 1/2/4/8/16-bit and interlaced PNGs, PNG transparency (alpha or tRNS), grey, colour and CMYK JPEGs,
 * and EXIF orientation. Pure JS (pngjs, jpeg-js); pixel conversion runs in plain loops.
 *
 * Errors are `NetlensError` with code `IMAGE_DECODE` that name the input and the problem: unsupported
 * formats (GIF, BMP, WebP, TIFF, AVIF, HEIC are named when detected), truncated or corrupt data, and
 * images over `maxPixels`, which are refused from the header before decoding. No tensor is created
 * unless decoding succeeds.
 *
 * @param bytes - the encoded file.
 * @param options - channel layout, alpha handling, size limit; see {@link DecodeImageOptions}.
 * @returns a new `[1, H, W, C]` float32 tensor, C = 3 by default.
 *
 * ```ts
 * import { decodeImage } from '@netlens/image/node';
 * const image = decodeImage(await readFile('cat.jpg'));           // [1, H, W, 3]
 * const mask = decodeImage(pngBytes, { colorMode: 'grayscale' }); // [1, H, W, 1]
 * ```
 */
export function decodeImage(bytes: Uint8Array, options: DecodeImageOptions = {}): tf.Tensor4D {
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidArgumentError(
      'bytes',
      'a Uint8Array (or Buffer) holding a PNG or JPEG file',
      describeValue(bytes),
    );
  }
  const colorMode = options.colorMode ?? 'rgb';
  if (!['rgb', 'grayscale', 'source'].includes(colorMode)) {
    throw new InvalidArgumentError('options.colorMode', "'rgb', 'grayscale' or 'source'", String(colorMode));
  }
  const alpha = options.alpha ?? 'drop';
  if (!['drop', 'composite', 'keep'].includes(alpha)) {
    throw new InvalidArgumentError('options.alpha', "'drop', 'composite' or 'keep'", String(alpha));
  }
  const background = toRgb(options.background ?? 1, 'options.background');
  const maxPixels = assertIntegerInRange(
    options.maxPixels ?? DEFAULT_MAX_PIXELS,
    'options.maxPixels',
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const sourceName = options.sourceName ?? 'from bytes';

  const { pixels, orientation } = decodePixels(bytes, sourceName, maxPixels);
  const floats = toFloatPixels(pixels, { colorMode, alpha, background });
  const upright = options.applyExifOrientation === false ? floats : applyOrientation(floats, orientation);
  return tf.tidy(() =>
    tf.tensor4d(upright.data, [1, upright.height, upright.width, upright.channels], 'float32'),
  );
}
