import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@netlens/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCocoCaptions, sampleCocoMinibatch } from './coco';

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
