import type { JpegHeader } from './jpeg-structure';
import type { PngHeader } from './png-structure';

/**
 * Memory estimates and plausibility checks made from an image's header, before any pixel memory is
 * allocated. The estimates count the decoder's own buffers (as pngjs 7 and jpeg-js 0.4 allocate
 * them) plus the float32 output; they are meant to be upper bounds within a small factor, not exact.
 */

const SAMPLES_PER_PIXEL: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Bytes of one inflated (filtered) PNG row including its filter byte. */
function pngRowBytes(width: number, header: PngHeader): number {
  const bitsPerPixel = (SAMPLES_PER_PIXEL[header.colorType] ?? 4) * header.bitDepth;
  return Math.ceil((width * bitsPerPixel) / 8) + 1;
}

const ADAM7_PASSES = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * The exact size the IDAT stream must inflate to: one filtered row per image row, or per row of
 * each of the seven Adam7 passes (passes with no pixels have no rows).
 */
export function pngInflatedBytes(header: PngHeader): number {
  if (!header.interlaced) return pngRowBytes(header.width, header) * header.height;
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7_PASSES) {
    const passWidth = Math.ceil((header.width - x0) / dx);
    const passHeight = Math.ceil((header.height - y0) / dy);
    if (passWidth > 0 && passHeight > 0) total += pngRowBytes(passWidth, header) * passHeight;
  }
  return total;
}

/**
 * Peak bytes to decode a PNG into `outputChannels` float32 channels: pngjs holds the inflated
 * stream, the unfiltered rows (as row buffers, then joined) and an RGBA bitmap (16-bit samples for
 * 16-bit files) while the float output is written.
 */
export function estimatePngDecodeBytes(header: PngHeader, outputChannels: number): number {
  const pixels = header.width * header.height;
  const bitmapBytes = pixels * 4 * (header.bitDepth === 16 && header.colorType !== 3 ? 2 : 1);
  return 3 * pngInflatedBytes(header) + bitmapBytes + pixels * outputChannels * 4;
}

/**
 * jpeg-js keeps every 8×8 block of coefficients as its own `Int32Array(64)`: 256 bytes of data plus
 * about 160 bytes of V8 object and backing-store overhead (measured with Node 20).
 */
const JPEG_BYTES_PER_BLOCK = 416;

/**
 * Peak bytes to decode a JPEG into `outputChannels` float32 channels: jpeg-js's coefficient blocks
 * (padded to whole MCUs), one byte per sample of each component plane, its RGB output (3 bytes per
 * pixel whatever the component count), then the float output, twice when an EXIF orientation has to
 * be applied (the rotated copy is a second array).
 */
export function estimateJpegDecodeBytes(
  header: JpegHeader,
  outputChannels: number,
  reorients: boolean,
): number {
  const maxHorizontal = Math.max(...header.sampling.map(([horizontal]) => horizontal));
  const maxVertical = Math.max(...header.sampling.map(([, vertical]) => vertical));
  const mcusPerLine = Math.ceil(header.width / 8 / maxHorizontal);
  const mcusPerColumn = Math.ceil(header.height / 8 / maxVertical);
  let blocks = 0;
  for (const [horizontal, vertical] of header.sampling) {
    blocks += mcusPerLine * horizontal * mcusPerColumn * vertical;
  }
  const pixels = header.width * header.height;
  const floats = pixels * outputChannels * 4 * (reorients ? 2 : 1);
  return blocks * JPEG_BYTES_PER_BLOCK + blocks * 64 + pixels * 3 + floats;
}

/**
 * The fewest bytes of scan data a Huffman-coded JPEG of this frame can hold: every 8×8 block of
 * every component needs at least one Huffman code (one bit or more) for its DC coefficient, in any
 * baseline or progressive layout. (Arithmetic coding could go below this, but jpeg-js does not
 * decode it.) A file far shorter than this is truncated or lies about its size.
 */
export function minimumJpegScanBytes(header: JpegHeader): number {
  const maxHorizontal = Math.max(...header.sampling.map(([horizontal]) => horizontal));
  const maxVertical = Math.max(...header.sampling.map(([, vertical]) => vertical));
  let blocks = 0;
  for (const [horizontal, vertical] of header.sampling) {
    const componentWidth = Math.ceil((header.width * horizontal) / maxHorizontal);
    const componentHeight = Math.ceil((header.height * vertical) / maxVertical);
    blocks += Math.ceil(componentWidth / 8) * Math.ceil(componentHeight / 8);
  }
  return Math.ceil(blocks / 8);
}

/**
 * Deflate cannot expand data by more than 1032:1 (a 258-byte match per code of at least 2 bits, as
 * the zlib FAQ puts it), so IDAT payloads shorter than this cannot hold the declared image.
 */
export function minimumPngDataBytes(header: PngHeader): number {
  return Math.floor(pngInflatedBytes(header) / 1032);
}

/** Bytes as a short human figure: `512 MiB`, `2.8 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(bytes >= 10 * 1024 ** 2 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(0)} KiB`;
  return `${bytes} bytes`;
}
