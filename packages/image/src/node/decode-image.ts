import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import {
  estimateJpegDecodeBytes,
  estimatePngDecodeBytes,
  formatBytes,
  minimumJpegScanBytes,
  minimumPngDataBytes,
} from '../internal/decode-budget';
import { decodeError, messageOf } from '../internal/decode-error';
import { hexPreview, IMAGE_FORMAT_NAMES, sniffImageFormat } from '../internal/image-format';
import { decodeJpegPixels } from '../internal/jpeg-codec';
import { type JpegHeader, readJpegHeader } from '../internal/jpeg-structure';
import { applyOrientation, type DecodedPixels, toFloatPixels } from '../internal/pixel-conversion';
import { decodePngPixels } from '../internal/png-codec';
import { checkPngChunks, type PngHeader, readPngHeader } from '../internal/png-structure';
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
  /**
   * Memory budget of one decode, in bytes: the decoder's working buffers plus the float32 output,
   * estimated from the header (width × height × channels × bytes per sample, for each buffer the
   * decoder holds at once) before any pixel memory is allocated. Images whose estimate is over the
   * budget are refused with an `IMAGE_DECODE` error naming their size, the estimate and the budget.
   * Default 1 GiB (1 073 741 824): enough for a 24-megapixel RGB photo (about 0.6–0.9 GiB as JPEG or
   * PNG), while a small hostile file that declares 10000×10000 pixels is refused at once. Raise it to
   * decode larger images.
   */
  maxMemoryBytes?: number;
  /** Rotate and mirror JPEGs as their EXIF orientation tag says, as viewers do. Default true. */
  applyExifOrientation?: boolean;
  /** How the input is named in error messages. Default `'from bytes'`; `readImage` passes the path. */
  sourceName?: string;
}

/** Default `maxPixels`: 100 megapixels, jpeg-js's own default cap. */
const DEFAULT_MAX_PIXELS = 100_000_000;

/** Default `maxMemoryBytes`: 1 GiB, see {@link DecodeImageOptions.maxMemoryBytes}. */
const DEFAULT_MAX_MEMORY_BYTES = 1024 ** 3;

interface DecodeLimits {
  maxPixels: number;
  maxMemoryBytes: number;
  /** Float channels the caller will get, for a colour file and for a grey one. */
  outputChannels: (color: boolean) => number;
  reorients: boolean;
}

/**
 * Refuses, from the header alone, images that cannot be what they claim (less data than the
 * declared size needs even at the format's best compression) or would cost more memory than the
 * budget, so that a few hundred hostile bytes never turn into gigabytes and seconds of decoding.
 */
function checkDecodeCost(
  bytes: Uint8Array,
  header: PngHeader | JpegHeader,
  limits: DecodeLimits,
): string | undefined {
  const { width, height } = header;
  const isJpeg = 'orientation' in header;
  const name = isJpeg ? 'JPEG' : 'PNG';
  if (width * height > limits.maxPixels) {
    return (
      `the ${name} is ${width}×${height} (${((width * height) / 1e6).toFixed(1)} megapixels), ` +
      `more than options.maxPixels = ${limits.maxPixels}`
    );
  }
  if (isJpeg) {
    const scanBytes = bytes.length - header.scanOffset;
    const needed = minimumJpegScanBytes(header);
    if (scanBytes < needed) {
      return (
        `the JPEG is truncated or its header is corrupt: a ${width}×${height} frame needs at least ` +
        `${needed} bytes of image data, the file holds ${scanBytes}`
      );
    }
  } else {
    const dataBytes = checkPngChunks(bytes);
    const needed = minimumPngDataBytes(header);
    if (dataBytes < needed) {
      return (
        `the PNG is truncated or its header is corrupt: ${width}×${height} pixels need at least ` +
        `${needed} bytes of compressed image data, the file holds ${dataBytes}`
      );
    }
  }
  const color = isJpeg ? header.components !== 1 : (header.colorType & 2) !== 0;
  const channels = limits.outputChannels(color);
  const estimate = isJpeg
    ? estimateJpegDecodeBytes(header, channels, limits.reorients && header.orientation !== 1)
    : estimatePngDecodeBytes(header, channels);
  if (estimate > limits.maxMemoryBytes) {
    return (
      `the ${name} is ${width}×${height} with ${channels} output channel${channels === 1 ? '' : 's'}: ` +
      `decoding it needs about ${formatBytes(estimate)}, more than options.maxMemoryBytes = ` +
      `${limits.maxMemoryBytes} (${formatBytes(limits.maxMemoryBytes)}); raise it to decode this image`
    );
  }
  return undefined;
}

function decodePixels(
  bytes: Uint8Array,
  sourceName: string,
  limits: DecodeLimits,
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
  let refusal: string | undefined;
  try {
    refusal = checkDecodeCost(bytes, header, limits);
  } catch (error) {
    throw decodeError(sourceName, messageOf(error), error);
  }
  if (refusal !== undefined) throw decodeError(sourceName, refusal);
  try {
    if ('orientation' in header) {
      return {
        pixels: decodeJpegPixels(bytes, header, limits.maxPixels, limits.maxMemoryBytes),
        orientation: header.orientation,
      };
    }
    return { pixels: decodePngPixels(bytes, header), orientation: 1 };
  } catch (error) {
    // A TypeError or an assertion from inside pngjs or jpeg-js is the decoder tripping over data it
    // did not expect, not a message meant for users; the original stays available as the cause.
    const crashed =
      error instanceof TypeError ||
      error instanceof RangeError ||
      (error instanceof Error && error.name.startsWith('AssertionError'));
    const codec = format === 'png' ? 'pngjs' : 'jpeg-js';
    if (crashed) throw decodeError(sourceName, `the ${name} data is corrupt (${codec} failed on it)`, error);
    const message = messageOf(error);
    // pngjs reports a cut-off stream as "read requests waiting on finished stream", jpeg-js as
    // "marker was not found"; say what that means.
    const truncated = /waiting|waitng|marker was not found|Ran out of data|unexpected end/i.test(message);
    throw decodeError(
      sourceName,
      message.startsWith('the ')
        ? message
        : `the ${name} data is corrupt${truncated ? ' or truncated' : ''} (${codec}: ${message})`,
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
 * images over `maxPixels` or whose decoding would need more than `maxMemoryBytes` (default 1 GiB),
 * which are refused from the header before any pixel memory is allocated. A file with far less
 * data than its declared size needs (a truncated file, or a tiny one with a lying header) is
 * refused from its header too. No tensor is created unless decoding succeeds.
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
  const maxMemoryBytes = assertIntegerInRange(
    options.maxMemoryBytes ?? DEFAULT_MAX_MEMORY_BYTES,
    'options.maxMemoryBytes',
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const sourceName = options.sourceName ?? 'from bytes';

  const limits: DecodeLimits = {
    maxPixels,
    maxMemoryBytes,
    outputChannels: (color) =>
      (colorMode === 'grayscale' || (colorMode === 'source' && !color) ? 1 : 3) + (alpha === 'keep' ? 1 : 0),
    reorients: options.applyExifOrientation !== false,
  };
  const { pixels, orientation } = decodePixels(bytes, sourceName, limits);
  const floats = toFloatPixels(pixels, { colorMode, alpha, background });
  const upright = options.applyExifOrientation === false ? floats : applyOrientation(floats, orientation);
  return tf.tidy(() =>
    tf.tensor4d(upright.data, [1, upright.height, upright.width, upright.channels], 'float32'),
  );
}
