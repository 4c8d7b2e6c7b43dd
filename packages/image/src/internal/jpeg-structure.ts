/** What a JPEG's markers say, read before the entropy-coded data is decoded. */
export interface JpegHeader {
  width: number;
  height: number;
  /** 1 grey, 3 YCbCr/RGB, 4 CMYK/YCCK. */
  components: number;
  /** EXIF orientation 1–8; 1 when there is no (readable) EXIF block. */
  orientation: number;
  /** Horizontal and vertical sampling factors of each component, in frame order. */
  sampling: readonly (readonly [horizontal: number, vertical: number])[];
  /** Byte offset of the first scan header (SOS): everything from here on is scan data. */
  scanOffset: number;
}

function readUint16(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] as number) << 8) | (bytes[offset + 1] as number);
}

// Start-of-frame markers: baseline, extended, progressive, lossless, hierarchical and arithmetic.
const START_OF_FRAME = new Set([
  0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf,
]);

/**
 * Walks the marker segments up to the first scan and returns the frame size, component count and
 * EXIF orientation. Throws a plain `Error` describing the problem when the structure is broken.
 */
export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  let offset = 2;
  let frame: Omit<JpegHeader, 'orientation' | 'scanOffset'> | undefined;
  let orientation = 1;
  while (offset < bytes.length) {
    if (bytes[offset] !== 0xff) {
      throw new Error(
        `the JPEG is corrupt: expected a marker at byte ${offset}, found 0x${bytes[offset]?.toString(16)}`,
      );
    }
    while (bytes[offset] === 0xff && offset < bytes.length) offset++;
    const marker = bytes[offset];
    offset++;
    if (marker === undefined) break;
    if (marker === 0xd9) throw new Error('the JPEG is corrupt: it ends (EOI) before any image data');
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue;
    if (offset + 2 > bytes.length) break;
    const length = readUint16(bytes, offset);
    if (length < 2)
      throw new Error(`the JPEG is corrupt: segment 0xff${marker.toString(16)} has length ${length}`);
    const segmentStart = offset + 2;
    const segmentEnd = offset + length;
    if (segmentEnd > bytes.length) {
      throw new Error(
        `the JPEG is truncated: segment 0xff${marker.toString(16)} at byte ${offset - 2} needs ${length} bytes, only ${bytes.length - offset} remain`,
      );
    }
    if (START_OF_FRAME.has(marker)) {
      if (length < 8) throw new Error('the JPEG is corrupt: its frame header is too short');
      const components = bytes[segmentStart + 5] as number;
      if (components === 0 || length < 8 + 3 * components) {
        throw new Error(`the JPEG is corrupt: its frame header is too short for ${components} components`);
      }
      const sampling: (readonly [number, number])[] = [];
      for (let index = 0; index < components; index++) {
        const factors = bytes[segmentStart + 7 + 3 * index] as number;
        const horizontal = factors >> 4;
        const vertical = factors & 15;
        if (horizontal < 1 || horizontal > 4 || vertical < 1 || vertical > 4) {
          throw new Error(
            `the JPEG is corrupt: component ${index + 1} has sampling factors ${horizontal}×${vertical} (1–4 allowed)`,
          );
        }
        sampling.push([horizontal, vertical]);
      }
      frame = {
        height: readUint16(bytes, segmentStart + 1),
        width: readUint16(bytes, segmentStart + 3),
        components,
        sampling,
      };
      if (frame.width === 0 || frame.height === 0) {
        throw new Error(`the JPEG frame header declares an invalid size ${frame.width}×${frame.height}`);
      }
    } else if (marker === 0xe1) {
      orientation = readExifOrientation(bytes.subarray(segmentStart, segmentEnd)) ?? orientation;
    } else if (marker === 0xda) {
      if (frame === undefined)
        throw new Error('the JPEG is corrupt: image data starts before the frame header');
      return { ...frame, orientation, scanOffset: offset - 2 };
    }
    offset = segmentEnd;
  }
  throw new Error(`the JPEG is truncated: it ends at byte ${bytes.length} before any image data`);
}

/**
 * The orientation tag (0x0112) of IFD0 in an APP1 `Exif\0\0` payload, or undefined when absent or
 * unreadable. Malformed EXIF is ignored rather than fatal: cameras write plenty of it.
 */
export function readExifOrientation(app1: Uint8Array): number | undefined {
  const exifId = [0x45, 0x78, 0x69, 0x66, 0x00, 0x00];
  if (app1.length < 14 || !exifId.every((byte, index) => app1[index] === byte)) return undefined;
  const tiff = app1.subarray(6);
  const view = new DataView(tiff.buffer, tiff.byteOffset, tiff.byteLength);
  const order = view.getUint16(0, false);
  if (order !== 0x4949 && order !== 0x4d4d) return undefined;
  const little = order === 0x4949;
  if (view.getUint16(2, little) !== 42) return undefined;
  const ifd = view.getUint32(4, little);
  if (ifd + 2 > tiff.length) return undefined;
  const entries = view.getUint16(ifd, little);
  for (let index = 0; index < entries; index++) {
    const entry = ifd + 2 + index * 12;
    if (entry + 12 > tiff.length) return undefined;
    if (view.getUint16(entry, little) !== 0x0112) continue;
    const type = view.getUint16(entry + 2, little);
    const value =
      type === 3 ? view.getUint16(entry + 8, little) : type === 4 ? view.getUint32(entry + 8, little) : 0;
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}
