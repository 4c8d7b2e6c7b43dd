// Node only: pngjs needs zlib and Buffer.
import { crc32, inflateSync } from 'node:zlib';
import type { ColorType, PNG } from 'pngjs';
import pngjs from 'pngjs';
import { pngInflatedBytes } from './decode-budget';
import type { DecodedPixels } from './pixel-conversion';
import { checkPngChunks, type PngHeader } from './png-structure';

/**
 * Decodes a PNG whose header and chunk layout have already been checked. 16-bit and low-depth
 * samples are kept unscaled (`maxValue` says what 1.0 is), so 16-bit files keep their precision.
 */
export function decodePngPixels(bytes: Uint8Array, header: PngHeader): DecodedPixels {
  checkPngChunks(bytes);
  checkImageData(bytes, header);
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
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

/**
 * Checks every chunk's CRC, then inflates the image data once, capped at the exact size the header implies, before pngjs sees it.
 * pngjs inflates interlaced images without any limit (a small file could expand to gigabytes),
 * silently drops what a non-interlaced stream holds beyond the image, and reports a broken stream
 * through internal assertions ("have should not go down"); this says what is wrong in the file's
 * terms instead.
 */
function checkImageData(bytes: Uint8Array, header: PngHeader): void {
  const expected = pngInflatedBytes(header);
  const parts: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let offset = 8; offset + 8 <= bytes.length; ) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    if (crc32(bytes.subarray(offset + 4, offset + 8 + length)) !== view.getUint32(offset + 8 + length)) {
      throw new Error(`the PNG is corrupt: chunk ${type} at byte ${offset} fails its CRC check`);
    }
    if (type === 'IDAT') parts.push(bytes.subarray(offset + 8, offset + 8 + length));
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  let inflated: number;
  try {
    inflated = inflateSync(Buffer.concat(parts), { maxOutputLength: expected }).length;
  } catch (error) {
    if (error instanceof RangeError) {
      throw new Error(
        `the PNG is corrupt: its image data inflates to more than the ${expected} bytes its header allows`,
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    const truncated = /unexpected end/i.test(reason);
    throw new Error(
      `the PNG ${truncated ? 'is truncated' : 'is corrupt'}: its compressed image data ${
        truncated ? 'ends early' : 'is invalid'
      } (zlib: ${reason})`,
    );
  }
  if (inflated !== expected) {
    throw new Error(
      `the PNG is corrupt: its image data inflates to ${inflated} bytes, its header needs ${expected}`,
    );
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
