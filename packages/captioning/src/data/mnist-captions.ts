import { InvalidArgumentError, seededRandom } from '@netlens/backends';

/** Side of one MNIST digit, in pixels. */
export const DIGIT_SIZE = 28;

/** Number of digit slots in a strip; a strip is `DIGIT_SIZE` tall and `STRIP_SLOTS · DIGIT_SIZE` wide. */
export const STRIP_SLOTS = 4;

const DIGIT_PIXELS = DIGIT_SIZE * DIGIT_SIZE;
const STRIP_WIDTH = STRIP_SLOTS * DIGIT_SIZE;

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'] as const;
const COUNT_WORDS = ['one', 'two', 'three', 'four'] as const;
const SLOT_PHRASES = ['far left', 'middle left', 'middle right', 'far right'] as const;

/**
 * Every word {@link captionDigitStrip} can produce, sorted: the vocabulary of the MNIST caption
 * dataset (without the `<NULL> <START> <END> <UNK>` specials).
 */
export const MNIST_CAPTION_WORDS: readonly string[] = Object.freeze(
  [
    ...new Set([
      ...DIGIT_WORDS,
      ...COUNT_WORDS,
      ...SLOT_PHRASES.flatMap((phrase) => phrase.split(' ')),
      ...'digit digits : a an on the , and strip of reading'.split(' '),
    ]),
  ].sort(),
);

/**
 * The longest caption {@link captionDigitStrip} writes, in words (four digits, positional form).
 * Use it as `maxLength` when encoding the captions.
 */
export const MNIST_CAPTION_MAX_WORDS = 30;

/** Real digits to draw strips from: `count · 784` pixels in `[0, 1]` and one label per digit. */
export interface DigitPool {
  /** `[count, 28, 28]` pixels in `[0, 1]`, row-major, a white digit on black as in MNIST. */
  pixels: Float32Array;
  /** The class (0–9) of each digit. */
  labels: ArrayLike<number>;
  /**
   * An identifier of each digit in its source (for example its index in the MNIST package), kept
   * in {@link DigitStrips.sources} so splits can be checked for shared digits. Default: its index in
   * the pool.
   */
  ids?: ArrayLike<number>;
}

/** Options for {@link makeDigitStrips}. */
export interface DigitStripOptions {
  /** Number of strips. */
  count: number;
  /** Seed of the digit, slot and shift choices. Default `0`. */
  seed?: number;
  /** Fewest digits in a strip, 1–4. Default `1`. */
  minDigits?: number;
  /** Most digits in a strip, `minDigits`–4. Default `4`. */
  maxDigits?: number;
  /** Largest shift of a digit inside its slot, in pixels each way (zero padding). Default `2`. */
  maxShift?: number;
}

/** Strips of real digits with their captions, as plain arrays (no tensors). */
export interface DigitStrips {
  /** `[count, 28, 112, 1]` pixels in `[0, 1]`, row-major: ready for `tf.tensor4d(images, shape)`. */
  images: Float32Array;
  /** `[count, 28, 112, 1]`. */
  shape: [number, number, number, number];
  /** The label in each of the 4 slots, `null` where the slot is empty. */
  slots: (number | null)[][];
  /** The pool `ids` of the digit in each slot, `-1` where the slot is empty. */
  sources: number[][];
  /** The reference captions of each strip, from {@link captionDigitStrip}. */
  captions: string[][];
}

function digitWord(label: number): string {
  const word = DIGIT_WORDS[label];
  if (word === undefined) throw new InvalidArgumentError('slots', 'digit labels 0–9 or null', String(label));
  return word;
}

/**
 * The reference captions of a strip: a positional one and a reading-order one, e.g. for
 * `[7, null, 3, 1]`:
 *
 * - `three digits : a seven on the far left , a three on the middle right and a one on the far right`
 * - `a strip of three digits reading seven three one`
 *
 * Both are long enough for BLEU-4 (the shortest, one digit, has 7 words).
 *
 * ```ts
 * captionDigitStrip([null, 8, null, null]); // ['one digit : an eight on the middle left', 'a strip of one digit reading eight']
 * ```
 * @param slots - the label (0–9) in each of the 4 slots, `null` for an empty slot; at least one digit.
 * @returns the two captions, words separated by single spaces.
 * @throws InvalidArgumentError for a wrong slot count, an empty strip or a label outside 0–9.
 */
export function captionDigitStrip(slots: readonly (number | null)[]): string[] {
  if (!Array.isArray(slots) || slots.length !== STRIP_SLOTS) {
    throw new InvalidArgumentError('slots', `${STRIP_SLOTS} labels or nulls`, String(slots));
  }
  const placed = slots.flatMap((label, slot) => (label === null ? [] : [{ word: digitWord(label), slot }]));
  const count = COUNT_WORDS[placed.length - 1];
  if (count === undefined) throw new InvalidArgumentError('slots', 'at least one digit', 'an empty strip');
  const noun = placed.length === 1 ? 'digit' : 'digits';
  const phrases = placed.map(
    ({ word, slot }) => `${word === 'eight' ? 'an' : 'a'} ${word} on the ${SLOT_PHRASES[slot]}`,
  );
  const listed =
    phrases.length === 1
      ? (phrases[0] as string)
      : `${phrases.slice(0, -1).join(' , ')} and ${phrases[phrases.length - 1]}`;
  return [
    `${count} ${noun} : ${listed}`,
    `a strip of ${count} ${noun} reading ${placed.map(({ word }) => word).join(' ')}`,
  ];
}

function checkCount(value: unknown, name: string, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) {
    throw new InvalidArgumentError(name, `an integer in [${low}, ${high}]`, String(value));
  }
  return value;
}

function checkPool(pool: DigitPool): number {
  const size = pool?.labels?.length;
  if (!(pool?.pixels instanceof Float32Array) || typeof size !== 'number' || size < 1) {
    throw new InvalidArgumentError(
      'pool',
      '{ pixels: Float32Array, labels } with at least one digit',
      String(pool),
    );
  }
  if (pool.pixels.length !== size * DIGIT_PIXELS) {
    throw new InvalidArgumentError(
      'pool.pixels',
      `${size} · ${DIGIT_PIXELS} values (one 28×28 digit per label)`,
      `${pool.pixels.length} values`,
    );
  }
  for (let i = 0; i < size; i++) {
    const label = pool.labels[i] as number;
    if (!Number.isInteger(label) || label < 0 || label > 9) {
      throw new InvalidArgumentError('pool.labels', 'integers in [0, 9]', String(label));
    }
  }
  if (pool.ids !== undefined && pool.ids.length !== size) {
    throw new InvalidArgumentError('pool.ids', `${size} ids (one per label)`, `${pool.ids.length} ids`);
  }
  return size;
}

/**
 * Draws strips of 1–4 real digits from a pool, places them in random slots of a 28×112 canvas
 * (each shifted up to `maxShift` pixels inside its slot) and writes their captions with
 * {@link captionDigitStrip}. Deterministic for a pool and a seed; no tensors are created.
 *
 * ```ts
 * const strips = makeDigitStrips(trainPool, { count: 1000, seed: 1 });
 * const images = tf.tensor4d(strips.images, strips.shape); // [1000, 28, 112, 1]
 * strips.captions[0]; // ['two digits : a seven on the far left and a three on the far right', ...]
 * ```
 * @param pool - the digits to draw from (with replacement).
 * @param options - strip count, seed, digits per strip and shift.
 * @returns pixels, slot labels, source ids and captions of every strip.
 * @throws InvalidArgumentError for a malformed pool or options out of range.
 */
export function makeDigitStrips(pool: DigitPool, options: DigitStripOptions): DigitStrips {
  const poolSize = checkPool(pool);
  const count = checkCount(options?.count, 'options.count', 1, 1_000_000);
  const minDigits = checkCount(options.minDigits ?? 1, 'options.minDigits', 1, STRIP_SLOTS);
  const maxDigits = checkCount(options.maxDigits ?? STRIP_SLOTS, 'options.maxDigits', minDigits, STRIP_SLOTS);
  const maxShift = checkCount(options.maxShift ?? 2, 'options.maxShift', 0, 8);
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new InvalidArgumentError('options.seed', 'a finite number', String(seed));

  const random = seededRandom(seed);
  const pick = (n: number) => Math.min(n - 1, Math.floor(random() * n));
  const images = new Float32Array(count * DIGIT_SIZE * STRIP_WIDTH);
  const slots: (number | null)[][] = [];
  const sources: number[][] = [];
  const captions: string[][] = [];
  for (let strip = 0; strip < count; strip++) {
    const digits = minDigits + pick(maxDigits - minDigits + 1);
    // A uniformly random set of `digits` slots: shuffle the slot order, keep the first ones.
    const order = [0, 1, 2, 3];
    for (let i = order.length - 1; i > 0; i--) {
      const j = pick(i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    const used = new Set(order.slice(0, digits));
    const stripSlots: (number | null)[] = [];
    const stripSources: number[] = [];
    for (let slot = 0; slot < STRIP_SLOTS; slot++) {
      if (!used.has(slot)) {
        stripSlots.push(null);
        stripSources.push(-1);
        continue;
      }
      const digit = pick(poolSize);
      const dy = pick(2 * maxShift + 1) - maxShift;
      const dx = pick(2 * maxShift + 1) - maxShift;
      const source = digit * DIGIT_PIXELS;
      const base = strip * DIGIT_SIZE * STRIP_WIDTH + slot * DIGIT_SIZE;
      for (let row = 0; row < DIGIT_SIZE; row++) {
        const sourceRow = row - dy;
        if (sourceRow < 0 || sourceRow >= DIGIT_SIZE) continue;
        for (let column = 0; column < DIGIT_SIZE; column++) {
          const sourceColumn = column - dx;
          if (sourceColumn < 0 || sourceColumn >= DIGIT_SIZE) continue;
          images[base + row * STRIP_WIDTH + column] = pool.pixels[
            source + sourceRow * DIGIT_SIZE + sourceColumn
          ] as number;
        }
      }
      stripSlots.push(pool.labels[digit] as number);
      stripSources.push(pool.ids ? (pool.ids[digit] as number) : digit);
    }
    slots.push(stripSlots);
    sources.push(stripSources);
    captions.push(captionDigitStrip(stripSlots));
  }
  return { images, shape: [count, DIGIT_SIZE, STRIP_WIDTH, 1], slots, sources, captions };
}

/** The three digit pools of {@link mnistCaptionDataset}; no digit may appear in two of them. */
export interface DigitPools {
  train: DigitPool;
  val: DigitPool;
  test: DigitPool;
}

/** Options for {@link mnistCaptionDataset}. */
export interface MnistCaptionDatasetOptions {
  /** Strips per split. Default `{ train: 4000, val: 300, test: 500 }`. */
  sizes?: { train?: number; val?: number; test?: number };
  /** Seed of the whole dataset; each split uses its own stream derived from it. Default `0`. */
  seed?: number;
  /** Fewest digits per strip. Default `1`. */
  minDigits?: number;
  /** Most digits per strip. Default `4`. */
  maxDigits?: number;
  /** Largest shift of a digit inside its slot, in pixels. Default `2`. */
  maxShift?: number;
}

/** Train, validation and test strips with their captions, and the caption vocabulary. */
export interface MnistCaptionDataset {
  train: DigitStrips;
  val: DigitStrips;
  test: DigitStrips;
  /** {@link MNIST_CAPTION_WORDS}. */
  words: readonly string[];
}

function poolIds(pool: DigitPool): number[] {
  return Array.from({ length: pool.labels.length }, (_, i) => (pool.ids ? (pool.ids[i] as number) : i));
}

/**
 * The offline captioning dataset: strips of 1–4 real MNIST digits with generated captions, in
 * train/val/test splits whose digits come from disjoint pools. Build the pools so that the test
 * digits were not used to train the feature CNN either (the package's tests and scripts use the
 * 8,000 training digits of `mnistClassifier` for `train` and split its 2,000 held-out digits
 * between `val` and `test`).
 *
 * ```ts
 * const data = mnistCaptionDataset(pools, { seed: 7 });
 * const vocabulary = new Vocabulary(data.words);
 * const features = digitStripFeatures(mnistClassifier(), tf.tensor4d(data.train.images, data.train.shape));
 * ```
 * Sources: the CS231n captioning assignment (COCO features + captions), rebuilt offline from MNIST.
 * @param pools - the digits each split draws from; pools sharing an id are rejected.
 * @param options - split sizes, seed, digits per strip and shift.
 * @returns the three splits and the vocabulary words.
 * @throws InvalidArgumentError for malformed pools, pools that share digits, or bad options.
 */
export function mnistCaptionDataset(
  pools: DigitPools,
  options: MnistCaptionDatasetOptions = {},
): MnistCaptionDataset {
  const names = ['train', 'val', 'test'] as const;
  const seen = new Map<number, string>();
  for (const name of names) {
    const pool = pools?.[name];
    if (pool === undefined) throw new InvalidArgumentError(`pools.${name}`, 'a digit pool', 'undefined');
    checkPool(pool);
    for (const id of poolIds(pool)) {
      const other = seen.get(id);
      if (other !== undefined && other !== name) {
        throw new InvalidArgumentError(
          `pools.${name}`,
          `digits not in pools.${other}`,
          `shared digit id ${id}`,
        );
      }
      seen.set(id, name);
    }
  }
  const sizes = { train: 4000, val: 300, test: 500, ...options.sizes };
  const seed = options.seed ?? 0;
  const common = {
    ...(options.minDigits === undefined ? {} : { minDigits: options.minDigits }),
    ...(options.maxDigits === undefined ? {} : { maxDigits: options.maxDigits }),
    ...(options.maxShift === undefined ? {} : { maxShift: options.maxShift }),
  };
  const split = (name: (typeof names)[number], index: number) =>
    makeDigitStrips(pools[name], { ...common, count: sizes[name], seed: (seed * 3 + index + 1) >>> 0 });
  return {
    train: split('train', 0),
    val: split('val', 1),
    test: split('test', 2),
    words: MNIST_CAPTION_WORDS,
  };
}
