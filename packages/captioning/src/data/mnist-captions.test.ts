import { InvalidArgumentError } from '@netlens/backends';
import { describe, expect, it } from 'vitest';
import { mnistPools } from '../__fixtures__/mnist-pools';
import {
  captionDigitStrip,
  type DigitPool,
  MNIST_CAPTION_MAX_WORDS,
  MNIST_CAPTION_WORDS,
  makeDigitStrips,
  mnistCaptionDataset,
} from './mnist-captions';

const PIXELS = 784;

/** Every non-empty assignment of digits to the 4 slots with `digits` as labels, cycling. */
function slotPatterns(): (number | null)[][] {
  const patterns: (number | null)[][] = [];
  for (let mask = 1; mask < 16; mask++) {
    patterns.push([0, 1, 2, 3].map((slot) => (mask & (1 << slot) ? (mask * 3 + slot) % 10 : null)));
  }
  return patterns;
}

/** A pool of `size` synthetic digits: digit i is filled with the value (i + 1) / size, label i mod 10. */
function flatPool(size: number): DigitPool {
  const pixels = new Float32Array(size * PIXELS);
  for (let i = 0; i < size; i++) pixels.fill((i + 1) / size, i * PIXELS, (i + 1) * PIXELS);
  return { pixels, labels: Int32Array.from({ length: size }, (_, i) => i % 10) };
}

describe('captionDigitStrip', () => {
  it('writes the positional and the reading-order caption', () => {
    expect(captionDigitStrip([7, null, 3, 1])).toEqual([
      'three digits : a seven on the far left , a three on the middle right and a one on the far right',
      'a strip of three digits reading seven three one',
    ]);
    expect(captionDigitStrip([null, 8, null, null])).toEqual([
      'one digit : an eight on the middle left',
      'a strip of one digit reading eight',
    ]);
    expect(captionDigitStrip([0, 4, null, 2])[0]).toBe(
      'three digits : a zero on the far left , a four on the middle left and a two on the far right',
    );
    expect(captionDigitStrip([null, null, 5, 6])[1]).toBe('a strip of two digits reading five six');
  });

  it('uses only vocabulary words, at least 7 and at most MNIST_CAPTION_MAX_WORDS of them', () => {
    const vocabulary = new Set(MNIST_CAPTION_WORDS);
    let longest = 0;
    for (const pattern of slotPatterns()) {
      for (const caption of captionDigitStrip(pattern)) {
        const words = caption.split(' ');
        expect(words.every((word) => vocabulary.has(word))).toBe(true);
        expect(words.length).toBeGreaterThanOrEqual(7);
        longest = Math.max(longest, words.length);
      }
    }
    expect(longest).toBe(MNIST_CAPTION_MAX_WORDS);
    expect([...MNIST_CAPTION_WORDS]).toEqual([...vocabulary].sort());
    expect(MNIST_CAPTION_WORDS).toContain('nine');
  });

  it('tells every slot pattern apart (distinct captions for distinct strips)', () => {
    const seen = new Set<string>();
    for (const pattern of slotPatterns()) seen.add(captionDigitStrip(pattern)[0] as string);
    expect(seen.size).toBe(15);
  });

  it('rejects empty strips, wrong slot counts and labels outside 0–9', () => {
    expect(() => captionDigitStrip([null, null, null, null])).toThrow(InvalidArgumentError);
    expect(() => captionDigitStrip([1, 2, 3])).toThrow(InvalidArgumentError);
    expect(() => captionDigitStrip([1, 2, 3, 10])).toThrow(/slots/);
  });
});

describe('makeDigitStrips', () => {
  it('is deterministic per seed, and another seed gives other strips', () => {
    const pool = flatPool(30);
    const a = makeDigitStrips(pool, { count: 20, seed: 5 });
    const b = makeDigitStrips(pool, { count: 20, seed: 5 });
    const c = makeDigitStrips(pool, { count: 20, seed: 6 });
    expect(a).toEqual(b);
    expect(c.sources).not.toEqual(a.sources);
  });

  it('copies each drawn digit into its slot, leaves empty slots black, and captions what it placed', () => {
    const pool = flatPool(30);
    const strips = makeDigitStrips(pool, { count: 40, seed: 1, maxShift: 0 });
    expect(strips.shape).toEqual([40, 28, 112, 1]);
    expect(strips.images.length).toBe(40 * 28 * 112);
    for (let n = 0; n < 40; n++) {
      for (let slot = 0; slot < 4; slot++) {
        const source = strips.sources[n]?.[slot] as number;
        const expected = source < 0 ? 0 : (source + 1) / 30;
        expect(strips.slots[n]?.[slot]).toBe(source < 0 ? null : source % 10);
        for (const [row, column] of [
          [0, 0],
          [13, 27],
          [27, 14],
        ] as const) {
          expect(strips.images[n * 28 * 112 + row * 112 + slot * 28 + column]).toBeCloseTo(expected, 6);
        }
      }
      expect(strips.captions[n]).toEqual(captionDigitStrip(strips.slots[n] as (number | null)[]));
    }
  });

  it('shifts digits by at most maxShift pixels, cropping what leaves the slot', () => {
    const pixels = new Float32Array(PIXELS);
    pixels[14 * 28 + 14] = 1; // one lit pixel in the middle
    const strips = makeDigitStrips(
      { pixels, labels: [3] },
      { count: 200, seed: 2, minDigits: 1, maxDigits: 1 },
    );
    const offsets = new Set<string>();
    for (let n = 0; n < 200; n++) {
      const slot = strips.slots[n]?.findIndex((label) => label !== null) as number;
      const base = n * 28 * 112;
      let found = 0;
      for (let row = 0; row < 28; row++) {
        for (let column = 0; column < 112; column++) {
          if (strips.images[base + row * 112 + column] !== 1) continue;
          found++;
          const dy = row - 14;
          const dx = column - slot * 28 - 14;
          expect(Math.max(Math.abs(dy), Math.abs(dx))).toBeLessThanOrEqual(2);
          offsets.add(`${dy},${dx}`);
        }
      }
      expect(found).toBe(1);
    }
    expect(offsets.size).toBe(25);
  });

  it('draws between minDigits and maxDigits digits, every count and slot in use', () => {
    const strips = makeDigitStrips(flatPool(10), { count: 400, seed: 3, minDigits: 2, maxDigits: 3 });
    const counts = new Set(strips.slots.map((slots) => slots.filter((label) => label !== null).length));
    expect([...counts].sort()).toEqual([2, 3]);
    for (let slot = 0; slot < 4; slot++) {
      expect(strips.slots.some((slots) => slots[slot] !== null)).toBe(true);
      expect(strips.slots.some((slots) => slots[slot] === null)).toBe(true);
    }
  });

  it('rejects malformed pools and out-of-range options', () => {
    const pool = flatPool(3);
    expect(() => makeDigitStrips({ pixels: new Float32Array(10), labels: [1] }, { count: 1 })).toThrow(
      /pool\.pixels/,
    );
    expect(() => makeDigitStrips({ pixels: new Float32Array(PIXELS), labels: [12] }, { count: 1 })).toThrow(
      /pool\.labels/,
    );
    expect(() => makeDigitStrips(pool, { count: 0 })).toThrow(/options\.count/);
    expect(() => makeDigitStrips(pool, { count: 2, minDigits: 3, maxDigits: 2 })).toThrow(
      /options\.maxDigits/,
    );
    expect(() => makeDigitStrips(pool, { count: 2, maxShift: -1 })).toThrow(InvalidArgumentError);
  });
});

describe('mnistCaptionDataset on real MNIST digits', () => {
  const pools = mnistPools();

  it('draws every split from its own pool: no digit is shared, and test digits were held out from the CNN', () => {
    expect([pools.train.labels.length, pools.val.labels.length, pools.test.labels.length]).toEqual([
      8000, 1003, 997,
    ]);
    const data = mnistCaptionDataset(pools, { sizes: { train: 600, val: 200, test: 200 }, seed: 11 });
    const used = (split: typeof data.train) => new Set(split.sources.flat().filter((id) => id >= 0));
    const train = used(data.train);
    const val = used(data.val);
    const test = used(data.test);
    const testIds = new Set(pools.test.ids as Int32Array);
    const trainIds = new Set(pools.train.ids as Int32Array);
    expect([...test].every((id) => testIds.has(id))).toBe(true);
    expect([...train].every((id) => trainIds.has(id))).toBe(true);
    expect([...test].some((id) => train.has(id) || val.has(id))).toBe(false);
    expect([...val].some((id) => train.has(id))).toBe(false);
    expect(data.words).toBe(MNIST_CAPTION_WORDS);
    // Each split draws digits of every class.
    expect(new Set(data.test.slots.flat().filter((label) => label !== null)).size).toBe(10);
  });

  it('repeats for a seed and labels every slot with the real class of the digit placed there', () => {
    const sizes = { train: 50, val: 20, test: 20 };
    const a = mnistCaptionDataset(pools, { sizes, seed: 4 });
    const b = mnistCaptionDataset(pools, { sizes, seed: 4 });
    expect(a.test).toEqual(b.test);
    expect(mnistCaptionDataset(pools, { sizes, seed: 5 }).test.sources).not.toEqual(a.test.sources);
    a.test.sources.flat().forEach((id, index) => {
      const label = a.test.slots.flat()[index];
      expect(label).toBe(id < 0 ? null : Math.floor(id / 10000));
    });
  });

  it('rejects pools that share a digit', () => {
    expect(() =>
      mnistCaptionDataset({ ...pools, test: pools.val }, { sizes: { train: 1, val: 1, test: 1 } }),
    ).toThrow(/pools\.test/);
  });
});
