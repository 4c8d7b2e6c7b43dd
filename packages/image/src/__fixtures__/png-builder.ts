import { deflateSync } from 'node:zlib';

// Builds PNGs byte by byte for cases pngjs cannot write (palette, low bit depths, tRNS) and for
// hostile headers.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: length, type, data, CRC over type + data. */
export function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export const PNG_SIGNATURE = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function ihdr(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  interlaced = false,
): Uint8Array {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data[8] = bitDepth;
  data[9] = colorType;
  data[12] = interlaced ? 1 : 0;
  return pngChunk('IHDR', data);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export interface RawPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Packed scanlines without the filter byte, one per row. */
  rows: Uint8Array[];
  /** PLTE entries as [r, g, b] bytes. */
  palette?: (readonly [number, number, number])[];
  /** tRNS chunk payload. */
  transparency?: Uint8Array;
  /** Header interlace flag; `rows` must then hold the Adam7 pass rows (see {@link adam7Rows}). */
  interlaced?: boolean;
  /** Raw zlib payload to use instead of deflating `rows` (for hostile files). */
  compressed?: Uint8Array;
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The Adam7 pass rows of an 8-bit, one-sample-per-pixel image, in file order. */
export function adam7Rows(samples: ArrayLike<number>, width: number, height: number): Uint8Array[] {
  const rows: Uint8Array[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    for (let y = y0; y < height; y += dy) {
      const row: number[] = [];
      for (let x = x0; x < width; x += dx) row.push(samples[y * width + x] as number);
      if (row.length > 0) rows.push(new Uint8Array(row));
    }
  }
  return rows;
}

/** Encodes rows with filter type 0 (none). */
export function buildPng(png: RawPng): Uint8Array {
  const raw = concat(png.rows.map((row) => concat([new Uint8Array([0]), row])));
  const header = ihdr(png.width, png.height, png.bitDepth, png.colorType, png.interlaced ?? false);
  const parts = [PNG_SIGNATURE, header];
  if (png.palette) parts.push(pngChunk('PLTE', new Uint8Array(png.palette.flat())));
  if (png.transparency) parts.push(pngChunk('tRNS', png.transparency));
  const data = png.compressed ?? new Uint8Array(deflateSync(raw));
  parts.push(pngChunk('IDAT', data), pngChunk('IEND', new Uint8Array(0)));
  return concat(parts);
}

/** Signature and IHDR only: what a hostile file claiming a huge size looks like. */
export function pngHeaderOnly(width: number, height: number): Uint8Array {
  return concat([PNG_SIGNATURE, ihdr(width, height, 8, 6)]);
}

/** Inserts an APP1 EXIF segment holding only an orientation tag right after the JPEG's SOI. */
export function withExifOrientation(
  jpeg: Uint8Array,
  orientation: number,
  byteOrder: 'II' | 'MM' = 'II',
): Uint8Array {
  const little = byteOrder === 'II';
  const tiff = new Uint8Array(8 + 2 + 12 + 4);
  const view = new DataView(tiff.buffer);
  tiff[0] = byteOrder.charCodeAt(0);
  tiff[1] = byteOrder.charCodeAt(1);
  view.setUint16(2, 42, little);
  view.setUint32(4, 8, little);
  view.setUint16(8, 1, little); // one IFD0 entry
  view.setUint16(10, 0x0112, little); // Orientation
  view.setUint16(12, 3, little); // SHORT
  view.setUint32(14, 1, little); // count
  view.setUint16(18, orientation, little);
  view.setUint32(22, 0, little); // no next IFD
  const payload = concat([new Uint8Array([0x45, 0x78, 0x69, 0x66, 0, 0]), tiff]);
  const segment = new Uint8Array(4 + payload.length);
  segment[0] = 0xff;
  segment[1] = 0xe1;
  new DataView(segment.buffer).setUint16(2, payload.length + 2);
  segment.set(payload, 4);
  return concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}
