// Node only by convention (it is only reached from the `./node` entry): jpeg-js is pure JS.
import jpeg from 'jpeg-js';
import type { JpegHeader } from './jpeg-structure';
import type { DecodedPixels } from './pixel-conversion';

/**
 * Decodes a baseline or progressive JPEG with jpeg-js. The caller has already checked the header
 * against the memory budget; jpeg-js's own resolution and memory caps are set from the same limits
 * as a second guard, in case a later frame header in the file declares another size.
 */
export function decodeJpegPixels(
  bytes: Uint8Array,
  header: JpegHeader,
  maxPixels: number,
  maxMemoryBytes: number,
): DecodedPixels {
  // jpeg-js counts only the data of its own buffers, a part of what the budget covers.
  const maxMemoryUsageInMB = Math.ceil(maxMemoryBytes / (1024 * 1024));
  const decoded = jpeg.decode(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: true,
    maxResolutionInMP: maxPixels / 1_000_000,
    maxMemoryUsageInMB,
  });
  if (decoded.width !== header.width || decoded.height !== header.height) {
    throw new Error('the JPEG decoder returned a different size than the frame header declares');
  }
  return {
    width: decoded.width,
    height: decoded.height,
    data: decoded.data,
    stride: 3,
    maxValue: 255,
    color: header.components !== 1,
    alpha: false,
  };
}
