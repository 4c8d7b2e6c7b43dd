import { deflateSync } from 'node:zlib';
import { NetlensError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { expect, it } from 'vitest';
import { thrown } from '../__fixtures__/errors';
import { testPattern } from '../__fixtures__/pixels';
import { adam7Rows, buildPng, pngChunk } from '../__fixtures__/png-builder';
import { type DecodeImageOptions, decodeImage } from './decode-image';

// Hostile and broken files, all generated here: huge declared sizes on tiny files, decompression
// bombs, and a fuzz of truncations and byte flips. Every failure must be a typed IMAGE_DECODE error
// that says what is wrong in the file's terms, reached without allocating the declared size.

/** Expects a typed IMAGE_DECODE error matching every pattern, with no leaked tensor; returns it. */
async function expectRefused(
  bytes: Uint8Array,
  patterns: RegExp[],
  options?: DecodeImageOptions,
): Promise<NetlensError> {
  return expectNoLeak(() => {
    const error = thrown(() => decodeImage(bytes, options));
    expect(error).toBeInstanceOf(NetlensError);
    expect((error as NetlensError).code).toBe('IMAGE_DECODE');
    for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
    return error as NetlensError;
  });
}

/** A small baseline JPEG whose frame header is rewritten to declare `width`×`height`. */
function jpegDeclaring(width: number, height: number, scanPadding = 0): Uint8Array {
  const small = new Uint8Array(
    jpeg.encode({ width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(128) }, 10).data,
  );
  const sof = Buffer.from(small).indexOf(Buffer.from([0xff, 0xc0]));
  const eoi = small.length - 2;
  // Scan padding: bytes that a scan of the declared size would need, so only the budget can refuse.
  const out = new Uint8Array(small.length + scanPadding);
  out.set(small.subarray(0, eoi));
  out.fill(0x55, eoi, eoi + scanPadding);
  out.set([0xff, 0xd9], eoi + scanPadding);
  const view = new DataView(out.buffer);
  view.setUint16(sof + 5, height);
  view.setUint16(sof + 7, width);
  return out;
}

/** A valid all-black 8-bit grey PNG of `size`×`size`, compressed as tightly as zlib can. */
function blackGreyPng(size: number): Uint8Array {
  const raw = new Uint8Array((size + 1) * size);
  return buildPng({
    width: size,
    height: size,
    bitDepth: 8,
    colorType: 0,
    rows: [],
    compressed: new Uint8Array(deflateSync(raw, { level: 9 })),
  });
}

describeOnBackends('decodeImage: memory budget from the header', () => {
  it('refuses a tiny JPEG declaring 10000×10000 at once, as truncated (it cannot hold that frame)', async () => {
    const hostile = jpegDeclaring(10_000, 10_000);
    expect(hostile.length).toBeLessThan(1000);
    const started = performance.now();
    await expectRefused(hostile, [
      /10000×10000/,
      /truncated or its header is corrupt/,
      /at least 585938 bytes/,
    ]);
    // Before the check, jpeg-js allocated about 3 GB of blocks for 20–40 s before failing.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a JPEG with enough scan bytes for 10000×10000 from its memory estimate, naming the budget', async () => {
    // 3 × 1250² blocks need at least 585 938 bytes of scan data: give them, so only the budget refuses.
    const hostile = jpegDeclaring(10_000, 10_000, 600_000);
    const error = await expectRefused(hostile, [
      /JPEG is 10000×10000 with 3 output channels/,
      /needs about \d+\.\d GiB/,
      /options\.maxMemoryBytes = 1073741824 \(1\.0 GiB\)/,
    ]);
    // 3 colour components: 1250² blocks each of coefficients and planes, RGB bytes, float32 output.
    const estimate = 3 * 1250 ** 2 * (416 + 64) + 1e8 * 3 + 1e8 * 3 * 4;
    expect(error.message).toContain(`about ${(estimate / 1024 ** 3).toFixed(1)} GiB`);
  });

  it('refuses a valid 97 KB grey PNG of 10000×10000 by default, and says how much it would need', async () => {
    const png = blackGreyPng(10_000);
    expect(png.length).toBeLessThan(100_000);
    const started = performance.now();
    // Inflated rows 10001 × 10000, held three times, an RGBA bitmap, and 3 float32 channels.
    const rows = 10_001 * 10_000;
    const estimate = 3 * rows + 4e8 + 1.2e9;
    await expectRefused(png, [
      /PNG is 10000×10000 with 3 output channels/,
      new RegExp(`about ${(estimate / 1024 ** 3).toFixed(1)} GiB`),
      /maxMemoryBytes/,
    ]);
    // One output channel costs less but still more than the budget.
    await expectRefused(png, [/1 output channel:/], { colorMode: 'grayscale' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('decodes what fits the budget and refuses the same file under a smaller one', async () => {
    const png = blackGreyPng(300);
    await expectNoLeak(async () => {
      const image = decodeImage(png, { colorMode: 'source' });
      expect(image.shape).toEqual([1, 300, 300, 1]);
      expect((await image.data()).every((value) => value === 0)).toBe(true);
      tf.dispose(image);
    });
    // 3 × 301 × 300 + 4 × 90 000 + 4 × 90 000 bytes for one output channel.
    const needed = 3 * 301 * 300 + 4 * 90_000 + 4 * 90_000;
    await expectNoLeak(() => decodeImage(png, { colorMode: 'source', maxMemoryBytes: needed }).dispose());
    await expectRefused(png, [/maxMemoryBytes = 990899 /], {
      colorMode: 'source',
      maxMemoryBytes: needed - 1,
    });
  });

  it('refuses a PNG with far less image data than its size needs, before inflating it', async () => {
    // 30000×30000 grey (900 MP, over the default pixel cap) is refused by maxPixels; 9000×9000
    // with a 100-byte zlib stream cannot be a real image: deflate expands at most 1032:1.
    const raw = new Uint8Array(1000);
    const png = buildPng({
      width: 9000,
      height: 9000,
      bitDepth: 16,
      colorType: 6,
      rows: [],
      compressed: new Uint8Array(deflateSync(raw)),
    });
    await expectRefused(png, [/9000×9000/, /truncated or its header is corrupt/, /need at least \d+ bytes/], {
      maxMemoryBytes: 2 ** 40,
    });
  });

  it('refuses zlib bombs: data inflating far past the declared size, interlaced or not', async () => {
    const bombData = new Uint8Array(deflateSync(new Uint8Array(50_000_000), { level: 9 }));
    expect(bombData.length).toBeLessThan(100_000);
    for (const interlaced of [false, true]) {
      const bomb = buildPng({
        width: 8,
        height: 8,
        bitDepth: 8,
        colorType: 0,
        interlaced,
        rows: [],
        compressed: bombData,
      });
      const started = performance.now();
      const before = process.memoryUsage().rss;
      await expectRefused(bomb, [/PNG/, /corrupt/]);
      // Inflation stops at the declared size (72 or 80 bytes), never near the 50 MB the stream holds.
      expect(process.memoryUsage().rss - before).toBeLessThan(40_000_000);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it('rejects a non-integer or non-positive maxMemoryBytes', () => {
    const png = blackGreyPng(4);
    for (const value of [0, -1, 1.5, Number.NaN, '1e9']) {
      const error = thrown(() => decodeImage(png, { maxMemoryBytes: value as number }));
      expect((error as { argument?: string }).argument).toBe('options.maxMemoryBytes');
    }
  });
});

/** Sets a PNG chunk's CRC to match its (possibly mutated) contents, so the flip reaches the decoder. */
function fixCrcs(png: Uint8Array): Uint8Array {
  const out = png.slice();
  for (let offset = 8; offset + 12 <= out.length; ) {
    const length = new DataView(out.buffer).getUint32(offset);
    if (offset + 12 + length > out.length) break;
    const type = String.fromCharCode(...out.subarray(offset + 4, offset + 8));
    const rebuilt = pngChunk(type, out.subarray(offset + 8, offset + 8 + length));
    out.set(rebuilt.subarray(rebuilt.length - 4), offset + 8 + length);
    offset += 12 + length;
  }
  return out;
}

describeOnBackends(
  'decodeImage: truncation and byte-flip fuzz',
  () => {
    const pattern = testPattern(16, 8);
    const grey = Array.from({ length: 9 * 7 }, (_, i) => (i * 37) % 256);
    const samples: [string, Uint8Array][] = [
      [
        'RGBA PNG',
        new Uint8Array(
          pngjs.PNG.sync.write({ width: 16, height: 8, data: Buffer.from(pattern) } as unknown as pngjs.PNG, {
            colorType: 6,
          }),
        ),
      ],
      [
        'interlaced grey PNG',
        buildPng({
          width: 9,
          height: 7,
          bitDepth: 8,
          colorType: 0,
          interlaced: true,
          rows: adam7Rows(grey, 9, 7),
        }),
      ],
      ['JPEG', new Uint8Array(jpeg.encode({ width: 16, height: 8, data: pattern }, 90).data)],
    ];

    it('gives a typed error or a valid image for every truncation and byte flip, leaking nothing', async () => {
      let probes = 0;
      let refusals = 0;
      const messages = new Set<string>();
      const internalJargon = /have should not go down|waitng|undefined|Cannot read prop|is not a function/;
      const before = tf.memory().numTensors;
      for (const [name, valid] of samples) {
        const variants: Uint8Array[] = [];
        for (let cut = 0; cut < valid.length; cut++) variants.push(valid.subarray(0, cut));
        for (let index = 0; index < valid.length; index++) {
          for (const mask of [0xff, 0x01, 0x80]) {
            const flipped = valid.slice();
            flipped[index] = (flipped[index] as number) ^ mask;
            // For PNGs also with fixed CRCs, so that the flip reaches zlib and the row filters.
            variants.push(name.endsWith('PNG') ? fixCrcs(flipped) : flipped);
          }
        }
        for (const bytes of variants) {
          probes++;
          let image: tf.Tensor4D | undefined;
          try {
            image = decodeImage(bytes, { maxMemoryBytes: 64 * 1024 ** 2 });
          } catch (error) {
            refusals++;
            if (!(error instanceof NetlensError) || error.code !== 'IMAGE_DECODE') {
              expect.fail(`${name}: untyped error ${String(error)}`);
            }
            expect(error.message).toMatch(/^Cannot decode image from bytes: /);
            if (process.env.H6_DEBUG) messages.add(error.message.replace(/\d+/g, 'N'));
            expect(error.message, name).not.toMatch(internalJargon);
            continue;
          }
          // A flip inside pixel data can still decode: then it must be a well-formed image.
          expect(image.shape[0]).toBe(1);
          expect(image.shape[3]).toBe(3);
          const values = await image.data();
          expect(values.every((value) => value >= 0 && value <= 1)).toBe(true);
          image.dispose();
        }
      }
      if (process.env.H6_DEBUG) console.log([...messages].join('\n'));
      expect(tf.memory().numTensors).toBe(before);
      console.log(
        `decodeImage fuzz: ${probes} probes, ${refusals} typed IMAGE_DECODE errors, ${probes - refusals} decoded`,
      );
      expect(refusals).toBeGreaterThan(probes / 2);
    });
  },
  {
    exclude: {
      'node-webgpu': 'decoding is the same JS on every backend; the fuzz needs only one upload path',
    },
  },
);
