import { deflateSync } from 'node:zlib';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { expect, it } from 'vitest';
import { thrown } from '../__fixtures__/errors';
import { levels, pickChannels, testPattern } from '../__fixtures__/pixels';
import { adam7Rows, buildPng, pngHeaderOnly, withExifOrientation } from '../__fixtures__/png-builder';
import { type DecodeImageOptions, decodeImage } from './decode-image';

const WIDTH = 6;
const HEIGHT = 4;
const RGBA = testPattern(WIDTH, HEIGHT);

/** Decodes, checks the shape and for leaks, and returns the values. */
async function decode(
  bytes: Uint8Array,
  shape: number[],
  options?: DecodeImageOptions,
): Promise<Float32Array> {
  return expectNoLeak(async () => {
    const image = decodeImage(bytes, options);
    expect(image.shape).toEqual(shape);
    expect(image.dtype).toBe('float32');
    const data = (await image.data()) as Float32Array;
    image.dispose();
    return data;
  });
}

function writePngjs(
  data: Uint8Array | Uint16Array,
  options: pngjs.PackerOptions,
  width = WIDTH,
  height = HEIGHT,
): Uint8Array {
  const image = {
    width,
    height,
    data: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  } as unknown as pngjs.PNG;
  return new Uint8Array(pngjs.PNG.sync.write(image, options));
}

/** Expects a NetlensError IMAGE_DECODE whose message matches every pattern, and no leaked tensor. */
async function expectDecodeError(
  bytes: Uint8Array,
  patterns: RegExp[],
  options?: DecodeImageOptions,
): Promise<void> {
  await expectNoLeak(() => {
    const error = thrown(() => decodeImage(bytes, options));
    expect(error).toBeInstanceOf(NetlensError);
    expect((error as NetlensError).code).toBe('IMAGE_DECODE');
    for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
  });
}

describeOnBackends('decodeImage: PNG', () => {
  it('decodes 8-bit RGBA exactly, dropping alpha by default', async () => {
    const png = writePngjs(RGBA, { colorType: 6 });
    const values = await decode(png, [1, HEIGHT, WIDTH, 3]);
    expect(Array.from(values)).toEqual(levels(pickChannels(RGBA, 4, [0, 1, 2])).map(Math.fround));
  });

  it('keeps alpha as a 4th channel, or composites over the background', async () => {
    const png = writePngjs(RGBA, { colorType: 6 });
    const kept = await decode(png, [1, HEIGHT, WIDTH, 4], { alpha: 'keep' });
    expect(Array.from(kept)).toEqual(levels(RGBA).map(Math.fround));
    const background: [number, number, number] = [0, 0.5, 1];
    const composite = await decode(png, [1, HEIGHT, WIDTH, 3], { alpha: 'composite', background });
    const expected: number[] = [];
    for (let i = 0; i < RGBA.length; i += 4) {
      const a = (RGBA[i + 3] as number) / 255;
      for (let c = 0; c < 3; c++)
        expected.push(a * ((RGBA[i + c] as number) / 255) + (1 - a) * (background[c] as number));
    }
    await expectTensorsClose(composite, expected);
  });

  it('decodes 8-bit greyscale written by pngjs as 3 equal channels, or 1 with colorMode source', async () => {
    const grey = new Uint8Array(WIDTH * HEIGHT).map((_, i) => (i * 11) % 256);
    const png = writePngjs(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
    const rgb = await decode(png, [1, HEIGHT, WIDTH, 3]);
    expect(Array.from(rgb)).toEqual(levels(Array.from(grey).flatMap((v) => [v, v, v])).map(Math.fround));
    const single = await decode(png, [1, HEIGHT, WIDTH, 1], { colorMode: 'source' });
    expect(Array.from(single)).toEqual(levels(grey).map(Math.fround));
  });

  it('converts colour to BT.601 luma with colorMode grayscale', async () => {
    const png = writePngjs(RGBA, { colorType: 6 });
    const gray = await decode(png, [1, HEIGHT, WIDTH, 1], { colorMode: 'grayscale' });
    const expected = [];
    for (let i = 0; i < RGBA.length; i += 4) {
      expected.push(
        (0.299 * (RGBA[i] as number) + 0.587 * (RGBA[i + 1] as number) + 0.114 * (RGBA[i + 2] as number)) /
          255,
      );
    }
    await expectTensorsClose(gray, expected);
    const grayAlpha = await decode(png, [1, HEIGHT, WIDTH, 2], { colorMode: 'grayscale', alpha: 'keep' });
    expect(grayAlpha[1]).toBe(Math.fround((RGBA[3] as number) / 255));
  });

  it('keeps the full precision of 16-bit PNGs written by pngjs', async () => {
    // Levels that differ only below 8 bits: 8-bit rescaling would merge them.
    const samples = new Uint16Array(WIDTH * HEIGHT * 3).map((_, i) => 30000 + i);
    const png = writePngjs(samples, { colorType: 2, inputColorType: 2, inputHasAlpha: false, bitDepth: 16 });
    const values = await decode(png, [1, HEIGHT, WIDTH, 3]);
    expect(Array.from(values)).toEqual(levels(samples, 65535).map(Math.fround));
    expect(new Set(values).size).toBe(samples.length);
  });

  it('decodes palette PNGs with tRNS transparency', async () => {
    const palette: [number, number, number][] = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
      [10, 20, 30],
    ];
    // 4×2 image at 2 bits per index: row 0 = 0 1 2 3, row 1 = 3 2 1 0.
    const png = buildPng({
      width: 4,
      height: 2,
      bitDepth: 2,
      colorType: 3,
      palette,
      transparency: new Uint8Array([255, 128, 0]),
      rows: [new Uint8Array([0b00011011]), new Uint8Array([0b11100100])],
    });
    const indices = [0, 1, 2, 3, 3, 2, 1, 0];
    const alphas = [255, 128, 0, 255];
    const values = await decode(png, [1, 2, 4, 4], { alpha: 'keep' });
    const expected = indices.flatMap((index) => [...(palette[index] as number[]), alphas[index] as number]);
    expect(Array.from(values)).toEqual(levels(expected).map(Math.fround));
  });

  it('scales low bit-depth greyscale by 2^depth − 1', async () => {
    // 1-bit, 8 pixels: 1 0 1 1 0 0 1 0.
    const onebit = buildPng({
      width: 8,
      height: 1,
      bitDepth: 1,
      colorType: 0,
      rows: [new Uint8Array([0b10110010])],
    });
    expect(Array.from(await decode(onebit, [1, 1, 8, 1], { colorMode: 'source' }))).toEqual([
      1, 0, 1, 1, 0, 0, 1, 0,
    ]);
    // 4-bit, 2 pixels: 15 and 5.
    const fourbit = buildPng({
      width: 2,
      height: 1,
      bitDepth: 4,
      colorType: 0,
      rows: [new Uint8Array([0xf5])],
    });
    expect(Array.from(await decode(fourbit, [1, 1, 2, 1], { colorMode: 'source' }))).toEqual([
      1,
      Math.fround(5 / 15),
    ]);
  });

  it('decodes Adam7-interlaced PNGs', async () => {
    const grey = Array.from({ length: 9 * 5 }, (_, i) => (i * 29) % 256);
    const png = buildPng({
      width: 9,
      height: 5,
      bitDepth: 8,
      colorType: 0,
      interlaced: true,
      rows: adam7Rows(grey, 9, 5),
    });
    expect(Array.from(await decode(png, [1, 5, 9, 1], { colorMode: 'source' }))).toEqual(
      levels(grey).map(Math.fround),
    );
  });

  it('refuses an interlaced PNG whose data inflates far beyond its header (a decompression bomb)', async () => {
    const bomb = buildPng({
      width: 8,
      height: 8,
      bitDepth: 8,
      colorType: 0,
      interlaced: true,
      rows: [],
      compressed: new Uint8Array(deflateSync(new Uint8Array(20_000_000))),
    });
    expect(bomb.length).toBeLessThan(100_000);
    await expectDecodeError(bomb, [/inflates to more than/]);
  });

  it('refuses truncated PNGs at every cut with a clear message', async () => {
    const png = writePngjs(RGBA, { colorType: 6 });
    for (const cut of [8, 20, 33, 40, png.length - 30, png.length - 12, png.length - 1]) {
      await expectDecodeError(png.subarray(0, cut), [/truncated/, /from bytes/]);
    }
  });

  it('refuses a PNG whose data is corrupt (CRC mismatch)', async () => {
    const png = writePngjs(RGBA, { colorType: 6 });
    const corrupt = png.slice();
    const idat = Buffer.from(corrupt).indexOf('IDAT');
    corrupt[idat + 10] = (corrupt[idat + 10] as number) ^ 0xff;
    await expectDecodeError(corrupt, [/PNG is corrupt: chunk IDAT at byte \d+ fails its CRC check/]);
  });

  it('refuses a header claiming 100000×100000 before allocating anything', async () => {
    const started = performance.now();
    await expectDecodeError(pngHeaderOnly(100_000, 100_000), [/100000×100000/, /maxPixels = 100000000/]);
    expect(performance.now() - started).toBeLessThan(1000);
    await expectDecodeError(writePngjs(RGBA, { colorType: 6 }), [/6×4/, /maxPixels = 10\b/], {
      maxPixels: 10,
    });
  });
});

describeOnBackends('decodeImage: JPEG', () => {
  // 32×16 in four 16×8 flat quadrants: red, green / blue, white. Flat 8×8 blocks survive JPEG
  // almost unchanged, so a wrong orientation shows as a full-intensity error.
  const QW = 32;
  const QH = 16;
  const QUADRANTS = new Uint8Array(QW * QH * 4);
  const colors = [
    [255, 0, 0],
    [0, 255, 0],
    [0, 0, 255],
    [255, 255, 255],
  ];
  for (let y = 0; y < QH; y++) {
    for (let x = 0; x < QW; x++) {
      const color = colors[(y < QH / 2 ? 0 : 2) + (x < QW / 2 ? 0 : 1)] as number[];
      QUADRANTS.set([...color, 255], (y * QW + x) * 4);
    }
  }
  const JPEG = new Uint8Array(jpeg.encode({ width: QW, height: QH, data: QUADRANTS }, 95).data);
  // Flat colours after YCbCr rounding and quantisation: a few levels at most.
  const JPEG_LOSS = 6 / 255;

  it('decodes within JPEG loss of the raw pixels', async () => {
    const values = await decode(JPEG, [1, QH, QW, 3]);
    await expectTensorsClose(values, levels(pickChannels(QUADRANTS, 4, [0, 1, 2])), {
      atol: JPEG_LOSS,
      rtol: 0,
    });
  });

  it('decodes a smooth photo-like pattern within JPEG loss on average', async () => {
    const pattern = testPattern(64, 48).map((v, i) => (i % 4 === 3 ? 255 : v));
    const encoded = new Uint8Array(jpeg.encode({ width: 64, height: 48, data: pattern }, 95).data);
    const values = await decode(encoded, [1, 48, 64, 3]);
    const raw = levels(pickChannels(pattern, 4, [0, 1, 2]));
    const meanError = raw.reduce((sum, v, i) => sum + Math.abs(v - (values[i] as number)), 0) / raw.length;
    expect(meanError).toBeLessThan(3 / 255);
  });

  /** Rotates/mirrors raw RGBA as EXIF orientation `orientation` says a viewer shows it. */
  function oriented(orientation: 6 | 8 | 3): { data: number[]; width: number; height: number } {
    const transposed = orientation !== 3;
    const width = transposed ? QH : QW;
    const height = transposed ? QW : QH;
    const data: number[] = [];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        // 6: rotate 90° clockwise; 8: 90° counter-clockwise; 3: 180°.
        const [sy, sx] =
          orientation === 6
            ? [QH - 1 - x, y]
            : orientation === 8
              ? [x, QW - 1 - y]
              : [QH - 1 - y, QW - 1 - x];
        const i = (sy * QW + sx) * 4;
        data.push(
          (QUADRANTS[i] as number) / 255,
          (QUADRANTS[i + 1] as number) / 255,
          (QUADRANTS[i + 2] as number) / 255,
        );
      }
    }
    return { data, width, height };
  }

  it('applies EXIF orientation 6 (rotate 90° clockwise) from an inserted APP1 segment', async () => {
    const rotated = withExifOrientation(JPEG, 6);
    const expected = oriented(6);
    const values = await decode(rotated, [1, expected.height, expected.width, 3]);
    await expectTensorsClose(values, expected.data, { atol: JPEG_LOSS, rtol: 0 });
    // Clockwise: the bottom-left quadrant (blue) comes to the top left, red to the top right.
    const at = (x: number, y: number) => Array.from(values.subarray((y * QH + x) * 3, (y * QH + x) * 3 + 3));
    await expectTensorsClose(at(2, 2), [0, 0, 1], { atol: JPEG_LOSS, rtol: 0 });
    await expectTensorsClose(at(QH - 3, 2), [1, 0, 0], { atol: JPEG_LOSS, rtol: 0 });
  });

  it('applies orientations 8 (big-endian EXIF) and 3, and can leave the pixels as stored', async () => {
    for (const [orientation, order] of [
      [8, 'MM'],
      [3, 'II'],
    ] as const) {
      const expected = oriented(orientation);
      const values = await decode(withExifOrientation(JPEG, orientation, order), [
        1,
        expected.height,
        expected.width,
        3,
      ]);
      await expectTensorsClose(values, expected.data, { atol: JPEG_LOSS, rtol: 0 });
    }
    const stored = await decode(withExifOrientation(JPEG, 6), [1, QH, QW, 3], {
      applyExifOrientation: false,
    });
    await expectTensorsClose(stored, levels(pickChannels(QUADRANTS, 4, [0, 1, 2])), {
      atol: JPEG_LOSS,
      rtol: 0,
    });
  });

  it('adds an opaque alpha channel with alpha: keep', async () => {
    const values = await decode(JPEG, [1, QH, QW, 4], { alpha: 'keep' });
    expect(pickChannels(values, 4, [3]).every((a) => a === 1)).toBe(true);
  });

  it('refuses truncated and corrupt JPEGs, and huge frames from the header', async () => {
    for (const cut of [3, 20, 200, Math.floor(JPEG.length / 2), JPEG.length - 2]) {
      await expectDecodeError(JPEG.subarray(0, cut), [/JPEG/, /truncated|corrupt/]);
    }
    // A frame header claiming 60000×60000 (3600 MP).
    const huge = JPEG.slice();
    const sof = Buffer.from(huge).indexOf(Buffer.from([0xff, 0xc0]));
    huge.set([0xea, 0x60, 0xea, 0x60], sof + 5);
    await expectDecodeError(huge, [/60000×60000/, /maxPixels/]);
  });
});

describeOnBackends('decodeImage: other input', () => {
  it('names unsupported formats it detects', async () => {
    const gif = new Uint8Array([...Buffer.from('GIF89a'), 1, 0, 1, 0, 0, 0, 0, 0x3b]);
    await expectDecodeError(gif, [/GIF is not supported/]);
    await expectDecodeError(
      new Uint8Array([...Buffer.from('RIFF'), 0, 0, 0, 0, ...Buffer.from('WEBPVP8 ')]),
      [/WebP/],
    );
    await expectDecodeError(new Uint8Array([...Buffer.from('BM'), ...new Array(60).fill(0)]), [/BMP/]);
  });

  it('refuses random bytes and empty input', async () => {
    let seed = 1;
    const random = new Uint8Array(256).map(() => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed >> 23;
    });
    await expectDecodeError(random, [/not a PNG or JPEG/, /first bytes: [0-9a-f]{2} /]);
    await expectDecodeError(new Uint8Array(0), [/empty/]);
  });

  it('rejects bad arguments with typed errors naming them', () => {
    const png = writePngjs(RGBA, { colorType: 6 });
    const cases: [() => unknown, string][] = [
      [() => decodeImage('cat.png' as unknown as Uint8Array), 'bytes'],
      [() => decodeImage(png, { colorMode: 'cmyk' as 'rgb' }), 'options.colorMode'],
      [() => decodeImage(png, { alpha: 'premultiply' as 'keep' }), 'options.alpha'],
      [
        () => decodeImage(png, { background: [0, 0] as unknown as [number, number, number] }),
        'options.background',
      ],
      [() => decodeImage(png, { maxPixels: 0 }), 'options.maxPixels'],
    ];
    for (const [body, argument] of cases) {
      const error = thrown(body);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe(argument);
    }
  });
});
