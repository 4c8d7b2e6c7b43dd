import fs from 'node:fs';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@netlens/backends';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadCocoCaptions, sampleCocoMinibatch } from './coco';

// h5wasm's runtime (emscripten NODERAWFS) prints HDF5-DIAG lines with fs.writeSync on file
// descriptor 2, the process's real stderr: a spy on it sees everything the user would see.
const writeSync = vi.spyOn(fs, 'writeSync');
const stderrWrites = () => writeSync.mock.calls.filter((call) => call[0] === 2).length;

const IDX_TO_WORD = ['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'cat', 'on', 'mat', 'dog'];
// Caption i is <START> (4 + i%5) … <END> padding, so every row is recognisable.
const T = 6;
function captions(count: number, offset: number): Int32Array {
  const rows = new Int32Array(count * T);
  for (let i = 0; i < count; i++) rows.set([1, 4 + ((i + offset) % 5), 5, 2, 0, 0], i * T);
  return rows;
}
// Feature row j of a split is [j, j + 0.5, …]: its image index can be read back from it.
function features(count: number, dimension: number, offset: number): Float32Array {
  return Float32Array.from(
    { length: count * dimension },
    (_, k) => offset + Math.floor(k / dimension) + (k % dimension) / 2,
  );
}

interface H5 {
  ready: Promise<unknown>;
  File: new (
    path: string,
    mode: 'w',
  ) => {
    create_dataset(args: { name: string; data: ArrayLike<number>; shape: number[]; dtype: string }): unknown;
    close(): unknown;
  };
}

async function writeH5(
  path: string,
  datasets: Record<string, { data: ArrayLike<number>; shape: number[]; dtype: string }>,
) {
  const h5wasm = (await import('h5wasm/node')) as unknown as H5;
  await h5wasm.ready;
  const file = new h5wasm.File(path, 'w');
  for (const [name, dataset] of Object.entries(datasets)) file.create_dataset({ name, ...dataset });
  file.close();
}

describe('loadCocoCaptions (CS231n COCO files written with h5wasm)', () => {
  let separate: string;
  let inline: string;
  beforeAll(async () => {
    separate = await mkdtemp(join(tmpdir(), 'netlens-coco-'));
    inline = await mkdtemp(join(tmpdir(), 'netlens-coco-inline-'));
    // As CS231n ships it: int32 captions and indices, float32 features in separate PCA files.
    const captionSets = {
      train_captions: { data: captions(7, 0), shape: [7, T], dtype: '<i4' },
      train_image_idxs: { data: Int32Array.from([0, 0, 1, 2, 2, 2, 1]), shape: [7], dtype: '<i4' },
      val_captions: { data: captions(3, 2), shape: [3, T], dtype: '<i4' },
      val_image_idxs: { data: Int32Array.from([1, 0, 1]), shape: [3], dtype: '<i4' },
    };
    await writeH5(join(separate, 'coco2014_captions.h5'), captionSets);
    await writeH5(join(separate, 'train2014_vgg16_fc7_pca.h5'), {
      features: { data: features(3, 4, 0), shape: [3, 4], dtype: '<f4' },
    });
    await writeH5(join(separate, 'val2014_vgg16_fc7_pca.h5'), {
      features: { data: features(2, 4, 100), shape: [2, 4], dtype: '<f4' },
    });
    await writeH5(join(separate, 'train2014_vgg16_fc7.h5'), {
      features: { data: features(3, 8, 0), shape: [3, 8], dtype: '<f4' },
    });
    await writeH5(join(separate, 'val2014_vgg16_fc7.h5'), {
      features: { data: features(2, 8, 100), shape: [2, 8], dtype: '<f4' },
    });
    const vocabulary = JSON.stringify({
      idx_to_word: IDX_TO_WORD,
      word_to_idx: Object.fromEntries(IDX_TO_WORD.map((word, id) => [word, id])),
    });
    await writeFile(join(separate, 'coco2014_vocab.json'), vocabulary);
    await writeFile(join(separate, 'train2014_urls.txt'), 'http://a/0.jpg\nhttp://a/1.jpg\nhttp://a/2.jpg\n');
    // The older layout: features inside the captions file, float64 features and int64 indices.
    await writeH5(join(inline, 'coco2014_captions.h5'), {
      ...captionSets,
      train_image_idxs: { data: [0, 0, 1, 2, 2, 2, 1], shape: [7], dtype: '<i8' },
      train_features: { data: Float64Array.from(features(3, 4, 0)), shape: [3, 4], dtype: '<f8' },
      val_features: { data: Float64Array.from(features(2, 4, 100)), shape: [2, 4], dtype: '<f8' },
    });
    await writeFile(join(inline, 'coco2014_vocab.json'), vocabulary);
  });
  afterAll(async () => {
    await rm(separate, { recursive: true, force: true });
    await rm(inline, { recursive: true, force: true });
  });

  it("reads captions, indices, PCA features, vocabulary and URLs with CS231n's names and shapes", async () => {
    const data = await loadCocoCaptions(separate);
    expect(data.trainCaptions.shape).toEqual([7, T]);
    expect(Array.from(data.trainCaptions.data)).toEqual(Array.from(captions(7, 0)));
    expect(data.trainCaptions.data).toBeInstanceOf(Int32Array);
    expect(Array.from(data.trainImageIdxs)).toEqual([0, 0, 1, 2, 2, 2, 1]);
    expect(Array.from(data.valCaptions.data)).toEqual(Array.from(captions(3, 2)));
    expect(Array.from(data.valImageIdxs)).toEqual([1, 0, 1]);
    expect(data.trainFeatures.shape).toEqual([3, 4]);
    expect(Array.from(data.trainFeatures.data)).toEqual(Array.from(features(3, 4, 0)));
    expect(Array.from(data.valFeatures.data)).toEqual(Array.from(features(2, 4, 100)));
    expect(data.idxToWord).toEqual(IDX_TO_WORD);
    expect(data.wordToIdx.cat).toBe(5);
    expect(data.trainUrls).toEqual(['http://a/0.jpg', 'http://a/1.jpg', 'http://a/2.jpg']);
    expect(data.valUrls).toEqual([]);
  });

  it('reads the fc7 features without PCA, and features stored in the captions file (converting dtypes)', async () => {
    const full = await loadCocoCaptions(separate, { pcaFeatures: false });
    expect(full.trainFeatures.shape).toEqual([3, 8]);
    expect(Array.from(full.valFeatures.data)).toEqual(Array.from(features(2, 8, 100)));
    const older = await loadCocoCaptions(inline);
    expect(older.trainFeatures.data).toBeInstanceOf(Float32Array);
    expect(Array.from(older.valFeatures.data)).toEqual(Array.from(features(2, 4, 100)));
    expect(older.trainImageIdxs).toBeInstanceOf(Int32Array);
    expect(Array.from(older.trainImageIdxs)).toEqual([0, 0, 1, 2, 2, 2, 1]);
  });

  it('subsamples maxTrain captions (seeded), keeping each caption with its image index', async () => {
    const a = await loadCocoCaptions(separate, { maxTrain: 20, seed: 3 });
    const b = await loadCocoCaptions(separate, { maxTrain: 20, seed: 3 });
    expect(a.trainCaptions.shape).toEqual([20, T]);
    expect(Array.from(a.trainCaptions.data)).toEqual(Array.from(b.trainCaptions.data));
    const original = [0, 0, 1, 2, 2, 2, 1];
    for (let row = 0; row < 20; row++) {
      // The caption's second id tells which original row it is (4 + row mod 5, unique for rows 0–4).
      const word = a.trainCaptions.data[row * T + 1] as number;
      const candidates = original.filter((_, i) => 4 + (i % 5) === word);
      expect(candidates).toContain(a.trainImageIdxs[row]);
    }
    expect(new Set(Array.from(a.trainImageIdxs)).size).toBe(3);
  });

  it("samples minibatches whose features are the rows of their captions' images", async () => {
    const data = await loadCocoCaptions(separate);
    const batch = sampleCocoMinibatch(data, { batchSize: 12, seed: 2 });
    expect(batch.captions.shape).toEqual([12, T]);
    expect(batch.features.shape).toEqual([12, 4]);
    for (let row = 0; row < 12; row++) {
      const image = batch.features.data[row * 4] as number;
      expect(batch.urls[row]).toBe(`http://a/${image}.jpg`);
      const word = batch.captions.data[row * T + 1] as number;
      const rows = [0, 1, 2, 3, 4, 5, 6].filter((i) => 4 + (i % 5) === word);
      expect(rows.some((i) => data.trainImageIdxs[i] === image)).toBe(true);
    }
    const val = sampleCocoMinibatch(data, { batchSize: 4, split: 'val', seed: 2 });
    expect(Array.from(val.features.data).every((value) => value >= 100)).toBe(true);
    expect(val.urls).toEqual(['', '', '', '']);
    expect(() => sampleCocoMinibatch(data, { batchSize: 0 })).toThrow(InvalidArgumentError);
  });

  it('names the missing file or dataset', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'netlens-coco-empty-'));
    try {
      await expect(loadCocoCaptions(empty)).rejects.toThrow(/coco2014_captions\.h5/);
      await writeH5(join(empty, 'coco2014_captions.h5'), {
        train_captions: { data: captions(1, 0), shape: [1, T], dtype: '<i4' },
      });
      await writeFile(join(empty, 'coco2014_vocab.json'), '{}');
      await expect(loadCocoCaptions(empty)).rejects.toThrow(/train_image_idxs/);
      await expect(loadCocoCaptions(separate, { maxTrain: 0 })).rejects.toThrow(/options\.maxTrain/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

/** The InvalidArgumentError `loadCocoCaptions(folder)` rejects with. */
async function loadError(folder: string): Promise<InvalidArgumentError> {
  try {
    await loadCocoCaptions(folder);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('baseDir');
    return error as InvalidArgumentError;
  }
  return expect.fail('expected loadCocoCaptions to reject');
}

describe('loadCocoCaptions: broken and inconsistent files give typed errors and print nothing', () => {
  let good: string;
  let work: string;
  const vocabulary = JSON.stringify({
    idx_to_word: IDX_TO_WORD,
    word_to_idx: Object.fromEntries(IDX_TO_WORD.map((word, id) => [word, id])),
  });
  const captionSets = (trainIdxs: number[]) => ({
    train_captions: { data: captions(3, 0), shape: [3, T], dtype: '<i4' },
    train_image_idxs: { data: Int32Array.from(trainIdxs), shape: [3], dtype: '<i4' },
    val_captions: { data: captions(1, 0), shape: [1, T], dtype: '<i4' },
    val_image_idxs: { data: Int32Array.from([0]), shape: [1], dtype: '<i4' },
    train_features: { data: features(2, 4, 0), shape: [2, 4], dtype: '<f4' },
    val_features: { data: features(1, 4, 100), shape: [1, 4], dtype: '<f4' },
  });
  beforeAll(async () => {
    good = await mkdtemp(join(tmpdir(), 'netlens-coco-good-'));
    work = await mkdtemp(join(tmpdir(), 'netlens-coco-broken-'));
    await writeH5(join(good, 'coco2014_captions.h5'), captionSets([0, 1, 1]));
    await writeFile(join(good, 'coco2014_vocab.json'), vocabulary);
    await writeFile(join(work, 'coco2014_vocab.json'), vocabulary);
    expect((await loadCocoCaptions(good)).trainFeatures.shape).toEqual([2, 4]);
  });
  afterAll(async () => {
    await rm(good, { recursive: true, force: true });
    await rm(work, { recursive: true, force: true });
  });

  it('refuses empty, non-HDF5, truncated and corrupt .h5 files naming the file, without HDF5-DIAG on stderr', async () => {
    const path = join(work, 'coco2014_captions.h5');
    const bytes = await readFile(join(good, 'coco2014_captions.h5'));
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /an empty file \(0 bytes\)/],
      [new TextEncoder().encode('not hdf5 at all, just text\n'.repeat(40)), /without the HDF5 signature/],
      [bytes.subarray(0, 1200), /a truncated or corrupt file \(HDF5: .+\)/],
      [bytes.subarray(0, Math.floor(bytes.length / 2)), /a truncated or corrupt file \(HDF5: .+\)/],
    ];
    // Every byte after the superblock zeroed: the signature is right, the object headers are not.
    const zeroed = bytes.slice();
    zeroed.fill(0, 96);
    cases.push([zeroed, /a truncated or corrupt file \(HDF5: .+\)/]);
    const before = stderrWrites();
    for (const [content, pattern] of cases) {
      await writeFile(path, content);
      const error = await loadError(work);
      expect(error.message).toContain(path);
      expect(error.message).toMatch(pattern);
      expect(error.message).not.toMatch(/name not defined/);
    }
    expect(stderrWrites() - before).toBe(0);
    // The same module still reads good files afterwards, and its own printing handler is back.
    expect((await loadCocoCaptions(good)).trainCaptions.shape).toEqual([3, T]);
  });

  it('refuses a vocabulary that is not JSON, or lacks its tables, naming the file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'netlens-coco-vocab-'));
    try {
      await copyFile(join(good, 'coco2014_captions.h5'), join(folder, 'coco2014_captions.h5'));
      const vocabularyPath = join(folder, 'coco2014_vocab.json');
      for (const [content, pattern] of [
        ['{"idx_to_word": ["<NULL>", ', /coco2014_vocab\.json holding JSON, received malformed JSON \(/],
        ['', /malformed JSON/],
        ['[1, 2]', /received keys 0, 1/],
        ['null', /received JSON null/],
        ['{"idx_to_word": [1, 2], "word_to_idx": {}}', /idx_to_word \(a list of words\)/],
      ] as const) {
        await writeFile(vocabularyPath, content);
        const error = await loadError(folder);
        expect(error.message).toContain(vocabularyPath);
        expect(error.message).toMatch(pattern);
        expect(error.cause === undefined || !(error.cause instanceof InvalidArgumentError)).toBe(true);
      }
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('refuses image indices past the feature rows, word ids past the vocabulary and NaN features', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'netlens-coco-ranges-'));
    try {
      await writeFile(join(folder, 'coco2014_vocab.json'), vocabulary);
      const h5 = join(folder, 'coco2014_captions.h5');
      // Image 2 of a 2-row feature matrix: before this check its features were silently all zero.
      await writeH5(h5, captionSets([0, 2, 1]));
      expect((await loadError(folder)).message).toMatch(
        /train_image_idxs in .* in \[0, 2\) \(the rows of train_features in .*\), received 2 at \[1\]/,
      );
      await writeH5(h5, { ...captionSets([0, -1, 1]) });
      expect((await loadError(folder)).message).toMatch(/received -1 at \[1\]/);
      const badWords = captions(3, 0);
      badWords[T + 2] = IDX_TO_WORD.length;
      await writeH5(h5, {
        ...captionSets([0, 1, 1]),
        train_captions: { data: badWords, shape: [3, T], dtype: '<i4' },
      });
      expect((await loadError(folder)).message).toMatch(
        /train_captions .* in \[0, 9\) .*received 9 at \[8\]/,
      );
      const nan = features(2, 4, 0);
      nan[6] = Number.NaN;
      await writeH5(h5, {
        ...captionSets([0, 1, 1]),
        train_features: { data: nan, shape: [2, 4], dtype: '<f4' },
      });
      expect((await loadError(folder)).message).toMatch(
        /finite features in train_features .*received NaN at row 1, column 2/,
      );
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('sampleCocoMinibatch refuses data whose image indices are past the feature rows', async () => {
    const data = await loadCocoCaptions(good);
    const broken = { ...data, trainImageIdxs: Int32Array.from([0, 5, 1]) };
    let caught: unknown;
    try {
      for (let seed = 0; seed < 20; seed++) sampleCocoMinibatch(broken, { batchSize: 10, seed });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidArgumentError);
    expect((caught as InvalidArgumentError).argument).toBe('data.trainImageIdxs');
    expect((caught as Error).message).toMatch(/in \[0, 2\) .*received 5 at \[1\]/);
  });
});
