// Node only by convention (it is only reached from the `./node` entry): jpeg-js is pure JS.
import jpeg from 'jpeg-js';
import type { JpegHeader } from './jpeg-structure';
import type { DecodedPixels } from './pixel-conversion';

/**
 * Decodes a baseline or progressive JPEG with jpeg-js, whose own resolution and memory caps are set
 * from `maxPixels` so that a lying header cannot make it allocate more than the caller allowed.
 */
export function decodeJpegPixels(bytes: Uint8Array, header: JpegHeader, maxPixels: number): DecodedPixels {
  // Output RGB (3 bytes), component planes (up to 4 bytes) and block buffers, with headroom.
  const maxMemoryUsageInMB = Math.max(512, Math.ceil((maxPixels * 12) / (1024 * 1024)));
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
