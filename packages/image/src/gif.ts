import { InvalidArgumentError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { describeValue, isTensor } from './internal/tensor-checks';

/** Raw 8-bit pixels of one frame, interleaved RGB (3 bytes a pixel) or RGBA (4; alpha is dropped). */
export interface RawFrame {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

/**
 * One frame: a float tensor in `[0, 1]`, `[H, W, C]` or `[1, H, W, C]` with C = 1, 3 or 4, or
 * {@link RawFrame} bytes. A single `[N, H, W, C]` tensor passed as `frames` is N frames.
 */
export type GifFrame = tf.Tensor3D | tf.Tensor4D | RawFrame;

/** Options for {@link encodeGif}. */
export interface EncodeGifOptions {
  /** Time each frame shows, in milliseconds (stored in hundredths of a second). Default 100. */
  delayMs?: number;
  /** Times the animation repeats after the first play; 0 loops forever. Default 0. */
  loop?: number;
}

const GRAY_PALETTE = Array.from({ length: 256 }, (_, i) => [i, i, i] as const);
// A 6×7×6 colour cube (252 colours; green gets the extra level the eye resolves best), plus 4 greys.
const CUBE = { r: 6, g: 7, b: 6 } as const;
const CUBE_PALETTE = [
  ...Array.from({ length: CUBE.r * CUBE.g * CUBE.b }, (_, i) => {
    const r = Math.floor(i / (CUBE.g * CUBE.b));
    const g = Math.floor(i / CUBE.b) % CUBE.g;
    const b = i % CUBE.b;
    return [
      Math.round((r * 255) / (CUBE.r - 1)),
      Math.round((g * 255) / (CUBE.g - 1)),
      Math.round((b * 255) / (CUBE.b - 1)),
    ] as const;
  }),
  ...[51, 102, 153, 204].map((v) => [v, v, v] as const),
];

/** Frame pixels as RGB bytes. */
interface RgbFrame {
  width: number;
  height: number;
  rgb: Uint8Array;
}

async function toRgb(frame: GifFrame, argument: string): Promise<RgbFrame> {
  if (isTensor(frame)) {
    const shape = frame.rank === 4 && frame.shape[0] === 1 ? frame.shape.slice(1) : frame.shape;
    const channels = shape[2] as number;
    if (shape.length !== 3 || ![1, 3, 4].includes(channels)) {
      throw new InvalidArgumentError(
        argument,
        'a [H, W, C] or [1, H, W, C] tensor, C = 1, 3 or 4',
        `shape [${frame.shape}]`,
      );
    }
    const [height, width] = shape as [number, number];
    const values = await frame.data();
    const rgb = new Uint8Array(width * height * 3);
    for (let pixel = 0; pixel < width * height; pixel++) {
      for (let k = 0; k < 3; k++) {
        const value = values[pixel * channels + (channels === 1 ? 0 : k)] as number;
        rgb[pixel * 3 + k] = Math.round(255 * Math.min(1, Math.max(0, Number.isNaN(value) ? 0 : value)));
      }
    }
    return { width, height, rgb };
  }
  const raw = frame as Partial<RawFrame> | null;
  const { width, height, data } = raw ?? {};
  const size = (width ?? 0) * (height ?? 0);
  if (
    !Number.isInteger(width) ||
    !Number.isInteger(height) ||
    size <= 0 ||
    !(data instanceof Uint8Array || data instanceof Uint8ClampedArray) ||
    (data.length !== size * 3 && data.length !== size * 4)
  ) {
    throw new InvalidArgumentError(
      argument,
      '{ width, height, data } with 3 or 4 bytes a pixel',
      describeValue(frame),
    );
  }
  const stride = data.length / size;
  const rgb = new Uint8Array(size * 3);
  for (let pixel = 0; pixel < size; pixel++) {
    for (let k = 0; k < 3; k++) rgb[pixel * 3 + k] = data[pixel * stride + k] as number;
  }
  return { width: width as number, height: height as number, rgb };
}

function paletteIndex(r: number, g: number, b: number, gray: boolean): number {
  if (gray) return r;
  const level = (value: number, levels: number) => Math.round((value * (levels - 1)) / 255);
  const cube = (level(r, CUBE.r) * CUBE.g + level(g, CUBE.g)) * CUBE.b + level(b, CUBE.b);
  // A pixel closer to one of the extra greys than to its cube colour takes the grey.
  if (r === g && g === b) {
    const [cr, cg, cb] = CUBE_PALETTE[cube] as readonly [number, number, number];
    const cubeError = (cr - r) ** 2 + (cg - g) ** 2 + (cb - b) ** 2;
    const grey = Math.min(3, Math.max(0, Math.round(r / 51) - 1));
    const greyValue = (grey + 1) * 51;
    if (3 * (greyValue - r) ** 2 < cubeError) return CUBE.r * CUBE.g * CUBE.b + grey;
  }
  return cube;
}

/**
 * GIF's variable-width LZW (8-bit minimum code size): codes grow from 9 to 12 bits, a clear code
 * restarts the table when it fills, bits are packed least-significant first.
 * @returns the compressed bytes, not yet split into sub-blocks.
 * @internal Exported for the round-trip test; not part of the package API.
 */
export function lzwEncode(indices: Uint8Array, minCodeSize = 8): Uint8Array {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  const out: number[] = [];
  let buffer = 0;
  let bits = 0;
  let codeSize = minCodeSize + 1;
  const write = (code: number) => {
    buffer |= code << bits;
    bits += codeSize;
    while (bits >= 8) {
      out.push(buffer & 0xff);
      buffer >>>= 8;
      bits -= 8;
    }
  };
  let table = new Map<number, number>();
  let next = end + 1;
  write(clear);
  let prefix = indices.length > 0 ? (indices[0] as number) : -1;
  for (let i = 1; i < indices.length; i++) {
    const symbol = indices[i] as number;
    const key = prefix * 256 + symbol;
    const found = table.get(key);
    if (found !== undefined) {
      prefix = found;
      continue;
    }
    write(prefix);
    if (next < 4096) {
      table.set(key, next);
      // The decoder widens its codes one entry later than the encoder adds it.
      if (next === 1 << codeSize && codeSize < 12) codeSize++;
      next++;
    } else {
      write(clear);
      table = new Map();
      next = end + 1;
      codeSize = minCodeSize + 1;
    }
    prefix = symbol;
  }
  if (prefix >= 0) write(prefix);
  write(end);
  if (bits > 0) out.push(buffer & 0xff);
  return Uint8Array.from(out);
}

/**
 * Encodes frames as an animated GIF89a (looping, one global palette), e.g. the snapshots of a class
 * visualization run. Frames whose pixels are all grey use an exact 256-level grey palette; colour
 * frames are mapped to a fixed 6×7×6 colour cube plus greys (no dithering). The LZW coder is written
 * here: no dependency, the same bytes in browsers and in Node.
 *
 * ```ts
 * const frames: tf.Tensor4D[] = [];
 * await createClassVisualization(model, 3, { onStep: ({ image }) => { if (image) frames.push(image.clone()); } });
 * const bytes = await encodeGif(frames, { delayMs: 80 }); // write it, or make a Blob for an <img>
 * ```
 * @param frames - the frames, all the same size, or one `[N, H, W, C]` tensor of N frames. Not disposed.
 * @param options - frame delay and loop count.
 * @returns the GIF file's bytes.
 * @throws InvalidArgumentError for an empty list, frames of different sizes or bad options.
 */
export async function encodeGif(
  frames: readonly GifFrame[] | tf.Tensor4D,
  options: EncodeGifOptions = {},
): Promise<Uint8Array> {
  const delayMs = options.delayMs ?? 100;
  const loop = options.loop ?? 0;
  if (typeof delayMs !== 'number' || !(delayMs >= 0) || delayMs > 655350) {
    throw new InvalidArgumentError(
      'options.delayMs',
      'a number of milliseconds in [0, 655350]',
      String(delayMs),
    );
  }
  if (!Number.isInteger(loop) || loop < 0 || loop > 65535) {
    throw new InvalidArgumentError('options.loop', 'an integer in [0, 65535]', String(loop));
  }
  let rgbFrames: RgbFrame[];
  if (isTensor(frames)) {
    const batch = frames as tf.Tensor4D;
    if (batch.rank !== 4 || ![1, 3, 4].includes(batch.shape[3])) {
      throw new InvalidArgumentError(
        'frames',
        'an [N, H, W, C] tensor, C = 1, 3 or 4',
        `shape [${batch.shape}]`,
      );
    }
    const [count, height, width, channels] = batch.shape;
    const values = await batch.data();
    const frameSize = height * width * channels;
    rgbFrames = Array.from({ length: count }, (_, n) => {
      const rgb = new Uint8Array(width * height * 3);
      for (let pixel = 0; pixel < width * height; pixel++) {
        for (let k = 0; k < 3; k++) {
          const value = values[n * frameSize + pixel * channels + (channels === 1 ? 0 : k)] as number;
          rgb[pixel * 3 + k] = Math.round(255 * Math.min(1, Math.max(0, Number.isNaN(value) ? 0 : value)));
        }
      }
      return { width, height, rgb };
    });
  } else {
    if (!Array.isArray(frames))
      throw new InvalidArgumentError(
        'frames',
        'an array of frames or an [N, H, W, C] tensor',
        describeValue(frames),
      );
    rgbFrames = [];
    for (const [index, frame] of frames.entries()) rgbFrames.push(await toRgb(frame, `frames[${index}]`));
  }
  if (rgbFrames.length === 0) throw new InvalidArgumentError('frames', 'at least one frame', 'none');
  const { width, height } = rgbFrames[0] as RgbFrame;
  for (const [index, frame] of rgbFrames.entries()) {
    if (frame.width !== width || frame.height !== height) {
      throw new InvalidArgumentError(
        `frames[${index}]`,
        `${width}×${height} like frame 0`,
        `${frame.width}×${frame.height}`,
      );
    }
    if (width > 65535 || height > 65535)
      throw new InvalidArgumentError('frames', 'at most 65535 pixels a side', `${width}×${height}`);
  }
  const gray = rgbFrames.every(({ rgb }) => {
    for (let i = 0; i < rgb.length; i += 3) if (rgb[i] !== rgb[i + 1] || rgb[i] !== rgb[i + 2]) return false;
    return true;
  });
  const palette = gray ? GRAY_PALETTE : CUBE_PALETTE;

  const bytes: number[] = [];
  const word = (value: number) => bytes.push(value & 0xff, (value >> 8) & 0xff);
  const ascii = (text: string) => bytes.push(...Array.from(text, (c) => c.charCodeAt(0)));
  ascii('GIF89a');
  word(width);
  word(height);
  // Global colour table of 2^(7+1) entries, 8 bits of colour resolution.
  bytes.push(0xf7, 0, 0);
  for (let i = 0; i < 256; i++) bytes.push(...(palette[i] ?? [0, 0, 0]));
  // NETSCAPE2.0 application extension: the loop count.
  bytes.push(0x21, 0xff, 0x0b);
  ascii('NETSCAPE2.0');
  bytes.push(0x03, 0x01);
  word(loop);
  bytes.push(0x00);
  const delay = Math.round(delayMs / 10);
  for (const { rgb } of rgbFrames) {
    // Graphic control extension: no transparency, disposal "do not dispose", the delay.
    bytes.push(0x21, 0xf9, 0x04, 0x04);
    word(delay);
    bytes.push(0x00, 0x00);
    bytes.push(0x2c);
    word(0);
    word(0);
    word(width);
    word(height);
    bytes.push(0x00);
    const indices = new Uint8Array(width * height);
    for (let pixel = 0; pixel < indices.length; pixel++) {
      indices[pixel] = paletteIndex(
        rgb[pixel * 3] as number,
        rgb[pixel * 3 + 1] as number,
        rgb[pixel * 3 + 2] as number,
        gray,
      );
    }
    const compressed = lzwEncode(indices);
    bytes.push(8);
    for (let start = 0; start < compressed.length; start += 255) {
      const block = compressed.subarray(start, start + 255);
      bytes.push(block.length, ...block);
    }
    bytes.push(0x00);
  }
  bytes.push(0x3b);
  return Uint8Array.from(bytes);
}
