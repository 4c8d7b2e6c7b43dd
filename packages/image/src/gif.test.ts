import { InvalidArgumentError, seededValues } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { encodeGif, lzwEncode } from './gif';

/** A reference GIF LZW decoder, written from the GIF89a specification (appendix F). */
function lzwDecode(data: Uint8Array, minCodeSize: number): number[] {
  const clear = 1 << minCodeSize;
  const end = clear + 1;
  let codeSize = minCodeSize + 1;
  let table: number[][] = [];
  const reset = () => {
    table = Array.from({ length: clear + 2 }, (_, i) => [i]);
    codeSize = minCodeSize + 1;
  };
  reset();
  const out: number[] = [];
  let position = 0;
  let previous: number[] | undefined;
  const read = () => {
    let code = 0;
    for (let i = 0; i < codeSize; i++, position++) {
      const bit = ((data[position >> 3] ?? 0) >> (position & 7)) & 1;
      code |= bit << i;
    }
    return code;
  };
  while (position < data.length * 8) {
    const code = read();
    if (code === clear) {
      reset();
      previous = undefined;
      continue;
    }
    if (code === end) break;
    let entry: number[];
    if (code < table.length) entry = table[code] as number[];
    else if (code === table.length && previous) entry = [...previous, previous[0] as number];
    else throw new Error(`bad code ${code} at bit ${position}`);
    out.push(...entry);
    if (previous && table.length < 4096) {
      table.push([...previous, entry[0] as number]);
      if (table.length === 1 << codeSize && codeSize < 12) codeSize++;
    }
    previous = entry;
  }
  return out;
}

interface DecodedGif {
  width: number;
  height: number;
  palette: number[][];
  loop: number | undefined;
  frames: { delay: number; rgb: number[] }[];
}

/** Parses a GIF89a file with a global palette (what encodeGif writes) into RGB frames. */
function decodeGif(bytes: Uint8Array): DecodedGif {
  const text = (start: number, length: number) =>
    String.fromCharCode(...bytes.subarray(start, start + length));
  const word = (at: number) => (bytes[at] as number) | ((bytes[at + 1] as number) << 8);
  expect(text(0, 6)).toBe('GIF89a');
  const width = word(6);
  const height = word(8);
  const packed = bytes[10] as number;
  expect(packed & 0x80).toBe(0x80);
  const paletteSize = 2 << (packed & 7);
  const palette = Array.from({ length: paletteSize }, (_, i) =>
    Array.from(bytes.subarray(13 + 3 * i, 16 + 3 * i)),
  );
  let at = 13 + 3 * paletteSize;
  let loop: number | undefined;
  let delay = 0;
  const frames: DecodedGif['frames'] = [];
  const subBlocks = () => {
    const chunks: number[] = [];
    for (let size = bytes[at++] as number; size > 0; size = bytes[at++] as number) {
      chunks.push(...bytes.subarray(at, at + size));
      at += size;
    }
    return Uint8Array.from(chunks);
  };
  for (;;) {
    const introducer = bytes[at++];
    if (introducer === 0x3b) break;
    if (introducer === 0x21) {
      const label = bytes[at++];
      const body = subBlocks();
      if (label === 0xff && String.fromCharCode(...body.subarray(0, 11)) === 'NETSCAPE2.0')
        loop = (body[12] as number) | ((body[13] as number) << 8);
      if (label === 0xf9) delay = (body[1] as number) | ((body[2] as number) << 8);
      continue;
    }
    expect(introducer).toBe(0x2c);
    const [left, top, frameWidth, frameHeight] = [word(at), word(at + 2), word(at + 4), word(at + 6)];
    expect([left, top, frameWidth, frameHeight]).toEqual([0, 0, width, height]);
    expect(bytes[at + 8]).toBe(0);
    at += 9;
    const minCodeSize = bytes[at++] as number;
    const indices = lzwDecode(subBlocks(), minCodeSize);
    expect(indices).toHaveLength(width * height);
    frames.push({ delay, rgb: indices.flatMap((index) => palette[index] as number[]) });
  }
  expect(at).toBe(bytes.length);
  return { width, height, palette, loop, frames };
}

it('LZW round-trips short, repetitive and long random streams, through table resets', () => {
  const streams = [
    Uint8Array.from([7]),
    new Uint8Array(10_000).fill(3),
    Uint8Array.from(seededValues(50_000, 1, 0, 256), Math.floor),
    Uint8Array.from({ length: 30_000 }, (_, i) => (i * 7 + (i >> 5)) % 256),
  ];
  for (const stream of streams) expect(lzwDecode(lzwEncode(stream), 8)).toEqual(Array.from(stream));
});

describeOnBackends('encodeGif', () => {
  it('writes grey tensor frames exactly, with the delay, the loop count and one image per frame', async () => {
    await expectNoLeak(async () => {
      const values = [seededValues(5 * 7, 2, 0, 1), seededValues(5 * 7, 3, 0, 1)];
      const frames = values.map((v) => tf.tensor3d(v, [5, 7, 1]));
      const gif = decodeGif(await encodeGif(frames, { delayMs: 80, loop: 2 }));
      expect([gif.width, gif.height, gif.loop, gif.frames.length]).toEqual([7, 5, 2, 2]);
      for (const [n, frame] of gif.frames.entries()) {
        expect(frame.delay).toBe(8);
        expect(frame.rgb).toEqual(
          Array.from(values[n] as Float32Array).flatMap((v) => [0, 0, 0].map(() => Math.round(255 * v))),
        );
      }
      tf.dispose(frames);
    });
  });

  it('maps colour frames (RGBA bytes, [N, H, W, 3] tensors) to the nearest colours of its palette', async () => {
    await expectNoLeak(async () => {
      const [height, width] = [6, 9];
      const rgba = Uint8Array.from(seededValues(height * width * 4, 5, 0, 256), Math.floor);
      const batch = tf.tensor4d(seededValues(2 * height * width * 3, 6, 0, 1), [2, height, width, 3]);
      const batchValues = await batch.data();
      const fromBytes = decodeGif(await encodeGif([{ width, height, data: rgba }]));
      const fromBatch = decodeGif(await encodeGif(batch));
      expect(fromBatch.frames).toHaveLength(2);
      expect(fromBytes.loop).toBe(0);
      const check = (decoded: number[], expected: (i: number) => number) => {
        for (let i = 0; i < decoded.length; i++) {
          // The cube's steps are 51 (red, blue) and 42.5 (green): nothing is further than half a step.
          expect(Math.abs((decoded[i] as number) - expected(i))).toBeLessThanOrEqual(i % 3 === 1 ? 21.5 : 26);
        }
      };
      check(fromBytes.frames[0]?.rgb as number[], (i) => rgba[Math.floor(i / 3) * 4 + (i % 3)] as number);
      check(fromBatch.frames[1]?.rgb as number[], (i) =>
        Math.round(255 * (batchValues[height * width * 3 + i] as number)),
      );
      batch.dispose();
    });
  });

  it('rejects empty lists, mismatched sizes, bad frames and bad options', async () => {
    await expectNoLeak(async () => {
      const a = tf.zeros([2, 2, 1]) as tf.Tensor3D;
      const b = tf.zeros([3, 2, 1]) as tf.Tensor3D;
      await expect(encodeGif([])).rejects.toThrow(InvalidArgumentError);
      await expect(encodeGif([a, b])).rejects.toMatchObject({ argument: 'frames[1]' });
      await expect(encodeGif([{ width: 2, height: 2, data: new Uint8Array(5) }])).rejects.toMatchObject({
        argument: 'frames[0]',
      });
      await expect(encodeGif([a], { delayMs: -1 })).rejects.toMatchObject({ argument: 'options.delayMs' });
      await expect(encodeGif([a], { loop: 1.5 })).rejects.toMatchObject({ argument: 'options.loop' });
      tf.dispose([a, b]);
    });
  });
});
