/** What the IHDR chunk of a PNG says, read before any pixel is decoded. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

const ALLOWED_BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

function readUint32(bytes: Uint8Array, offset: number): number {
  return (
    (bytes[offset] as number) * 0x1000000 +
    (((bytes[offset + 1] as number) << 16) |
      ((bytes[offset + 2] as number) << 8) |
      (bytes[offset + 3] as number))
  );
}

function chunkType(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

/**
 * Reads and validates the signature and IHDR chunk (the first 33 bytes). Throws a plain `Error`
 * whose message describes the problem; the caller adds the file name.
 */
export function readPngHeader(bytes: Uint8Array): PngHeader {
  if (bytes.length < 33) {
    throw new Error(`the PNG is truncated: ${bytes.length} bytes, fewer than the 33 that hold its header`);
  }
  if (readUint32(bytes, 8) !== 13 || chunkType(bytes, 12) !== 'IHDR') {
    throw new Error('the PNG is corrupt: its first chunk is not a 13-byte IHDR header');
  }
  const width = readUint32(bytes, 16);
  const height = readUint32(bytes, 20);
  const bitDepth = bytes[24] as number;
  const colorType = bytes[25] as number;
  const interlace = bytes[28] as number;
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new Error(`the PNG header declares an invalid size ${width}×${height}`);
  }
  const depths = ALLOWED_BIT_DEPTHS[colorType];
  if (depths === undefined) throw new Error(`the PNG header declares an invalid colour type ${colorType}`);
  if (!depths.includes(bitDepth)) {
    throw new Error(`the PNG header declares bit depth ${bitDepth}, invalid for colour type ${colorType}`);
  }
  if (bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1) {
    throw new Error('the PNG header declares an unknown compression, filter or interlace method');
  }
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

/**
 * Walks the chunk list without inflating anything, so that a cut-off or mangled file is reported
 * as such instead of as a zlib or stream error from deep inside the decoder. Returns the total
 * length of the IDAT (image data) payloads.
 */
export function checkPngChunks(bytes: Uint8Array): number {
  let offset = 8;
  let dataBytes = 0;
  let sawData = false;
  for (;;) {
    if (offset + 8 > bytes.length) {
      throw new Error(
        `the PNG is truncated: it ends at byte ${bytes.length} without an IEND chunk${sawData ? '' : ' (and before any image data)'}`,
      );
    }
    const length = readUint32(bytes, offset);
    const type = chunkType(bytes, offset + 4);
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff) {
      throw new Error(`the PNG is corrupt: invalid chunk header at byte ${offset}`);
    }
    const end = offset + 12 + length;
    if (end > bytes.length) {
      throw new Error(
        `the PNG is truncated: chunk ${type} at byte ${offset} needs ${length + 12} bytes, only ${bytes.length - offset} remain`,
      );
    }
    if (type === 'IDAT') {
      sawData = true;
      dataBytes += length;
    }
    if (type === 'IEND') break;
    offset = end;
  }
  if (!sawData) throw new Error('the PNG is corrupt: it has no IDAT (image data) chunk');
  return dataBytes;
}
