// Node only: pngjs needs zlib and Buffer.
import { inflateSync } from 'node:zlib';
import type { ColorType, PNG } from 'pngjs';
import pngjs from 'pngjs';
import type { DecodedPixels } from './pixel-conversion';
import { checkPngChunks, type PngHeader } from './png-structure';

/**
 * Decodes a PNG whose header and chunk layout have already been checked. 16-bit and low-depth
 * samples are kept unscaled (`maxValue` says what 1.0 is), so 16-bit files keep their precision.
 */
export function decodePngPixels(bytes: Uint8Array, header: PngHeader): DecodedPixels {
  checkPngChunks(bytes);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (header.interlaced) checkInterlacedSize(bytes, header);
  const png = pngjs.PNG.sync.read(buffer, { skipRescale: true, checkCRC: true });
  const palette = header.colorType === 3;
  const data =
    header.bitDepth === 16 && !palette
      ? (png.data as unknown as Uint16Array)
      : new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
  const expected = png.width * png.height * 4;
  if (png.width !== header.width || png.height !== header.height || data.length !== expected) {
    throw new Error('the PNG decoder returned fewer pixels than the header declares');
  }
  return {
    width: png.width,
    height: png.height,
    data,
    stride: 4,
    maxValue: palette ? 255 : 2 ** header.bitDepth - 1,
    color: (header.colorType & 2) !== 0,
    alpha: (header.colorType & 4) !== 0 || png.alpha,
  };
}

const SAMPLES_PER_PIXEL: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * pngjs caps the inflated size of non-interlaced images at what the header allows, but inflates
 * interlaced ones without a limit, so a small file could expand to gigabytes. Inflate once with a
 * cap first: Adam7 adds at most one filter byte and one partial byte per row of each of 7 passes.
 */
function checkInterlacedSize(bytes: Uint8Array, header: PngHeader): void {
  const bitsPerPixel = (SAMPLES_PER_PIXEL[header.colorType] ?? 4) * header.bitDepth;
  const rowBytes = Math.ceil((header.width * bitsPerPixel) / 8);
  const limit = rowBytes * header.height + 14 * (header.height + 8);
  const parts: Uint8Array[] = [];
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const length = new DataView(bytes.buffer, bytes.byteOffset + offset, 4).getUint32(0);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (type === 'IDAT') parts.push(bytes.subarray(offset + 8, offset + 8 + length));
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: limit });
  } catch (error) {
    if (error instanceof RangeError) {
      throw new Error(
        `the PNG is corrupt: its image data inflates to more than the ${limit} bytes its header allows`,
      );
    }
    throw error;
  }
}

/** pngjs colour types by channel count: grey, grey + alpha, RGB, RGBA. */
const COLOR_TYPES: Readonly<Record<number, ColorType>> = { 1: 0, 2: 4, 3: 2, 4: 6 };

/**
 * Encodes float samples in [0, 1] (`[height, width, channels]`, channels 1–4) as a PNG. Values are
 * clamped, NaN becomes 0, and each sample is rounded to the nearest level of `bitDepth`.
 */
export function encodePngPixels(
  values: ArrayLike<number>,
  height: number,
  width: number,
  channels: number,
  bitDepth: 8 | 16,
): Uint8Array {
  const maxValue = bitDepth === 16 ? 65535 : 255;
  const samples = bitDepth === 16 ? new Uint16Array(values.length) : new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    samples[i] = value > 0 ? (value >= 1 ? maxValue : Math.round(value * maxValue)) : 0;
  }
  const colorType = COLOR_TYPES[channels] as ColorType;
  const data = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
  // pngjs reads only width, height and data from its first argument.
  const image = { width, height, data } as unknown as PNG;
  const encoded = pngjs.PNG.sync.write(image, {
    colorType,
    inputColorType: colorType,
    inputHasAlpha: channels === 2 || channels === 4,
    bitDepth,
  });
  return new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength);
}
