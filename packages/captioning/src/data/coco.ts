import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError, NetlensError, seededRandom } from '@netlens/backends';

/** Options for {@link loadCocoCaptions}. */
export interface LoadCocoCaptionsOptions {
  /**
   * Read the 512-dimensional PCA features (`*_vgg16_fc7_pca.h5`) rather than the 4096-dimensional
   * fc7 ones (`*_vgg16_fc7.h5`), as CS231n's `load_coco_data(pca_features=True)`. Ignored when
   * `coco2014_captions.h5` holds `train_features`/`val_features` itself. Default `true`.
   */
  pcaFeatures?: boolean;
  /**
   * Keep this many training captions, drawn at random with replacement as CS231n's `max_train`
   * does (seeded here). Default: all.
   */
  maxTrain?: number;
  /** Seed of the `maxTrain` draw. Default `0`. */
  seed?: number;
}

/** A 2-D array as a flat typed array and its shape. */
export interface Array2D<T extends Float32Array | Int32Array> {
  data: T;
  shape: [number, number];
}

/** The CS231n COCO captioning data, with CS231n's keys in camelCase. No tensors. */
export interface CocoCaptionData {
  /** `[numCaptions, T]` word ids, `<START> … <END>` padded with `<NULL>` (`train_captions`). */
  trainCaptions: Array2D<Int32Array>;
  /** The image (row of `trainFeatures`) of each training caption (`train_image_idxs`). */
  trainImageIdxs: Int32Array;
  /** `val_captions`. */
  valCaptions: Array2D<Int32Array>;
  /** `val_image_idxs`. */
  valImageIdxs: Int32Array;
  /** `[numImages, D]` image features (`train_features`; D = 512 with PCA, 4096 without). */
  trainFeatures: Array2D<Float32Array>;
  /** `val_features`. */
  valFeatures: Array2D<Float32Array>;
  /** Word of each id, the specials `<NULL> <START> <END> <UNK>` first (`idx_to_word`). */
  idxToWord: string[];
  /** Id of each word (`word_to_idx`). */
  wordToIdx: Record<string, number>;
  /** Flickr URL of each training image (`train_urls`); empty when the file is missing. */
  trainUrls: string[];
  /** `val_urls`; empty when the file is missing. */
  valUrls: string[];
}

interface H5Dataset {
  readonly shape: number[] | null;
  readonly value: unknown;
}
interface H5File {
  get(name: string): unknown;
  keys(): string[];
  close(): unknown;
}
/** The emscripten module behind h5wasm, for its error-handler switch. */
interface H5Runtime {
  activate_throwing_error_handler(): number;
  deactivate_throwing_error_handler(): number;
}
interface H5Module {
  ready: Promise<H5Runtime>;
  File: new (filename: string, mode?: 'r') => H5File;
}

interface H5Reader {
  module: H5Module;
  runtime: H5Runtime;
}

async function loadH5wasm(): Promise<H5Reader> {
  let module: H5Module;
  try {
    // Lazy: h5wasm is an optional peer, needed only by this loader.
    module = (await import('h5wasm/node')) as unknown as H5Module;
  } catch (error) {
    throw new NetlensError(
      'UNSUPPORTED_BACKEND',
      'Reading the COCO HDF5 files needs the optional peer dependency h5wasm (npm install h5wasm).',
      { cause: error },
    );
  }
  return { module, runtime: await module.ready };
}

// Where HDF5 looks for its superblock: offset 0, then 512, 1024, 2048, … (the HDF5 file format
// specification, "Format Signature").
const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Why `path` is not an HDF5 file, read from its size and signature; undefined when it looks like one. */
async function notHdf5(path: string): Promise<string | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size === 0) return 'an empty file (0 bytes)';
    const probe = Buffer.alloc(HDF5_SIGNATURE.length);
    for (let offset = 0; offset + probe.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(probe, 0, probe.length, offset);
      if (probe.equals(HDF5_SIGNATURE)) return undefined;
    }
    return `a ${size}-byte file without the HDF5 signature (not an HDF5 file)`;
  } finally {
    await handle.close();
  }
}

/** The most specific line of an HDF5 error stack (`… in H5F__super_read(): truncated file: …`). */
function hdf5Reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const lines = [...text.matchAll(/#\d+: .* in [\w.]+\(\): (.+)$/gm)].map((match) => match[1]?.trim());
  return lines.at(-1) ?? text.split('\n')[0] ?? text;
}

/**
 * Runs synchronous h5wasm work with HDF5's "throwing" error handler, so that a corrupt or truncated
 * file becomes a typed error naming the file instead of 40 lines of HDF5-DIAG on the user's stderr
 * (h5wasm's default handler prints them with `console.error`) followed by an unrelated message.
 * h5wasm's default handler is put back afterwards.
 */
function quietly<T>(reader: H5Reader, path: string, body: () => T): T {
  reader.runtime.activate_throwing_error_handler();
  try {
    return body();
  } catch (error) {
    if (error instanceof NetlensError) throw error;
    throw new InvalidArgumentError(
      'baseDir',
      `${path} as a readable HDF5 file`,
      `a truncated or corrupt file (HDF5: ${hdf5Reason(error)})`,
      { cause: error },
    );
  } finally {
    reader.runtime.deactivate_throwing_error_handler();
  }
}

/** Opens, reads and closes one HDF5 file, all inside {@link quietly}. */
async function readHdf5File<T>(reader: H5Reader, path: string, body: (file: H5File) => T): Promise<T> {
  const problem = await notHdf5(path);
  if (problem !== undefined) throw new InvalidArgumentError('baseDir', `${path} as an HDF5 file`, problem);
  return quietly(reader, path, () => {
    const file = new reader.module.File(path, 'r');
    try {
      return body(file);
    } finally {
      try {
        file.close();
      } catch {
        // A file that failed half-way may refuse to close; the error that matters is the first.
      }
    }
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function readDataset(file: H5File, name: string, path: string): H5Dataset {
  const dataset = file.get(name) as H5Dataset | null;
  if (
    dataset === null ||
    typeof dataset !== 'object' ||
    !('shape' in dataset) ||
    !Array.isArray(dataset.shape)
  ) {
    throw new InvalidArgumentError(
      'baseDir',
      `${path} with a dataset '${name}'`,
      `datasets ${file.keys().join(', ')}`,
    );
  }
  return dataset;
}

function toInt32(value: unknown): Int32Array {
  if (value instanceof Int32Array) return value;
  if (value instanceof BigInt64Array || value instanceof BigUint64Array)
    return Int32Array.from(value, Number);
  return Int32Array.from(value as ArrayLike<number>);
}

function toFloat32(value: unknown): Float32Array {
  return value instanceof Float32Array ? value : Float32Array.from(value as ArrayLike<number>);
}

function matrix<T extends Float32Array | Int32Array>(
  dataset: H5Dataset,
  convert: (value: unknown) => T,
  name: string,
): Array2D<T> {
  const shape = dataset.shape ?? [];
  if (shape.length !== 2) {
    throw new InvalidArgumentError('baseDir', `a 2-D dataset '${name}'`, `shape [${shape}]`);
  }
  return { data: convert(dataset.value), shape: [shape[0] as number, shape[1] as number] };
}

function readFeatures(file: H5File, path: string, name: string): Array2D<Float32Array> {
  return matrix(readDataset(file, name, path), toFloat32, name);
}

async function readLines(path: string): Promise<string[]> {
  if (!(await exists(path))) return [];
  return (await readFile(path, 'utf8'))
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}

/** Parses `coco2014_vocab.json`, naming the file when it is not JSON or lacks the two tables. */
function parseVocabulary(text: string, path: string): Pick<CocoCaptionData, 'idxToWord' | 'wordToIdx'> {
  let vocabulary: unknown;
  try {
    vocabulary = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(
      'baseDir',
      `${path} holding JSON`,
      `malformed JSON (${(error as Error).message})`,
      { cause: error },
    );
  }
  const { idx_to_word: idxToWord, word_to_idx: wordToIdx } = (vocabulary ?? {}) as {
    idx_to_word?: unknown;
    word_to_idx?: unknown;
  };
  if (
    !Array.isArray(idxToWord) ||
    !idxToWord.every((word) => typeof word === 'string') ||
    typeof wordToIdx !== 'object' ||
    wordToIdx === null ||
    Array.isArray(wordToIdx)
  ) {
    const received =
      vocabulary === null || typeof vocabulary !== 'object'
        ? `JSON ${vocabulary === null ? 'null' : typeof vocabulary}`
        : `keys ${Object.keys(vocabulary).join(', ') || '(none)'}`;
    throw new InvalidArgumentError(
      'baseDir',
      `${path} with idx_to_word (a list of words) and word_to_idx (an object)`,
      received,
    );
  }
  return { idxToWord: idxToWord as string[], wordToIdx: wordToIdx as Record<string, number> };
}

/** Refuses the first value outside `[0, size)`: an index past the end would read as zeros or garbage. */
function assertAllInRange(values: ArrayLike<number>, size: number, what: string, of: string): void {
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    if (!(value >= 0 && value < size)) {
      throw new InvalidArgumentError('baseDir', `${what} in [0, ${size}) (the ${of})`, `${value} at [${i}]`);
    }
  }
}

/**
 * Loads the CS231n COCO captioning data from a folder, as the assignment's `load_coco_data` does:
 * `coco2014_captions.h5` (captions and image indices, and the features when it holds them),
 * `{train,val}2014_vgg16_fc7[_pca].h5` (`features`), `coco2014_vocab.json` and
 * `{train,val}2014_urls.txt`. Node only; reads HDF5 with the optional peer `h5wasm`, imported on
 * first use.
 *
 * ```ts
 * import { loadCocoCaptions } from '@netlens/captioning/node';
 * const data = await loadCocoCaptions('datasets/coco_captioning', { maxTrain: 10_000 });
 * const features = tf.tensor2d(data.trainFeatures.data, data.trainFeatures.shape); // [82783, 512]
 * ```
 * Sources: CS231n assignment 3, `cs231n/coco_utils.py`; Chen et al. 2015, "Microsoft COCO Captions".
 * @param baseDir - the folder CS231n's `get_coco_dataset.sh` fills.
 * @param options - PCA or full features, subsampling.
 * @returns every array with its shape, the vocabulary and the URLs.
 * @throws InvalidArgumentError (`baseDir`) when a file or dataset is missing or has the wrong rank,
 * an HDF5 file is empty, truncated or corrupt (HDF5's diagnostics are never printed; the most
 * specific one is in the message), the vocabulary is not JSON with `idx_to_word` and `word_to_idx`,
 * an image index is past the last feature row, a word id is past the vocabulary, or a feature is
 * NaN or infinite.
 * @throws NetlensError (`UNSUPPORTED_BACKEND`) when h5wasm is not installed.
 */
export async function loadCocoCaptions(
  baseDir: string,
  options: LoadCocoCaptionsOptions = {},
): Promise<CocoCaptionData> {
  if (typeof baseDir !== 'string' || baseDir.length === 0) {
    throw new InvalidArgumentError('baseDir', 'a folder path', String(baseDir));
  }
  const { pcaFeatures = true, maxTrain, seed = 0 } = options;
  if (maxTrain !== undefined && (!Number.isInteger(maxTrain) || maxTrain < 1)) {
    throw new InvalidArgumentError('options.maxTrain', 'a positive integer', String(maxTrain));
  }
  const captionPath = join(baseDir, 'coco2014_captions.h5');
  const vocabularyPath = join(baseDir, 'coco2014_vocab.json');
  for (const path of [captionPath, vocabularyPath]) {
    if (!(await exists(path)))
      throw new InvalidArgumentError('baseDir', `a folder with ${path}`, 'no such file');
  }
  const reader = await loadH5wasm();
  const inline = await readHdf5File(reader, captionPath, (file) => ({
    keys: file.keys(),
    trainCaptions: matrix(readDataset(file, 'train_captions', captionPath), toInt32, 'train_captions'),
    trainImageIdxs: toInt32(readDataset(file, 'train_image_idxs', captionPath).value),
    valCaptions: matrix(readDataset(file, 'val_captions', captionPath), toInt32, 'val_captions'),
    valImageIdxs: toInt32(readDataset(file, 'val_image_idxs', captionPath).value),
  }));
  const features = async (split: 'train' | 'val'): Promise<[Array2D<Float32Array>, string]> => {
    if (inline.keys.includes(`${split}_features`)) {
      const rows = await readHdf5File(reader, captionPath, (file) =>
        readFeatures(file, captionPath, `${split}_features`),
      );
      return [rows, `${split}_features in ${captionPath}`];
    }
    const path = join(baseDir, `${split}2014_vgg16_fc7${pcaFeatures ? '_pca' : ''}.h5`);
    if (!(await exists(path))) {
      throw new InvalidArgumentError(
        'baseDir',
        `a folder with ${path} (or ${split}_features in ${captionPath})`,
        'no such file',
      );
    }
    return [await readHdf5File(reader, path, (file) => readFeatures(file, path, 'features')), path];
  };
  const [trainFeatures, trainFeaturesSource] = await features('train');
  const [valFeatures, valFeaturesSource] = await features('val');
  const data: Omit<CocoCaptionData, 'idxToWord' | 'wordToIdx' | 'trainUrls' | 'valUrls'> = {
    trainCaptions: inline.trainCaptions,
    trainImageIdxs: inline.trainImageIdxs,
    valCaptions: inline.valCaptions,
    valImageIdxs: inline.valImageIdxs,
    trainFeatures,
    valFeatures,
  };
  const { idxToWord, wordToIdx } = parseVocabulary(await readFile(vocabularyPath, 'utf8'), vocabularyPath);
  for (const split of ['train', 'val'] as const) {
    const captions = data[`${split}Captions`];
    const imageIdxs = data[`${split}ImageIdxs`];
    const featureRows = data[`${split}Features`];
    const source = split === 'train' ? trainFeaturesSource : valFeaturesSource;
    if (imageIdxs.length !== captions.shape[0]) {
      throw new InvalidArgumentError(
        'baseDir',
        `${split}_image_idxs with one index per caption (${captions.shape[0]}) in ${captionPath}`,
        `${imageIdxs.length} indices`,
      );
    }
    assertAllInRange(
      imageIdxs,
      featureRows.shape[0],
      `${split}_image_idxs in ${captionPath}`,
      `rows of ${source}`,
    );
    assertAllInRange(
      captions.data,
      idxToWord.length,
      `${split}_captions in ${captionPath}`,
      `ids of the ${idxToWord.length} words in ${vocabularyPath}`,
    );
    const bad = featureRows.data.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) {
      const columns = featureRows.shape[1];
      throw new InvalidArgumentError(
        'baseDir',
        `finite features in ${source}`,
        `${featureRows.data[bad]} at row ${Math.floor(bad / columns)}, column ${bad % columns}`,
      );
    }
  }
  if (maxTrain !== undefined) {
    const random = seededRandom(seed);
    const [count, length] = data.trainCaptions.shape;
    const captions = new Int32Array(maxTrain * length);
    const images = new Int32Array(maxTrain);
    for (let row = 0; row < maxTrain; row++) {
      const pick = Math.min(count - 1, Math.floor(random() * count));
      captions.set(data.trainCaptions.data.subarray(pick * length, (pick + 1) * length), row * length);
      images[row] = data.trainImageIdxs[pick] as number;
    }
    data.trainCaptions = { data: captions, shape: [maxTrain, length] };
    data.trainImageIdxs = images;
  }
  return {
    ...data,
    idxToWord,
    wordToIdx,
    trainUrls: await readLines(join(baseDir, 'train2014_urls.txt')),
    valUrls: await readLines(join(baseDir, 'val2014_urls.txt')),
  };
}

/** Options for {@link sampleCocoMinibatch}. */
export interface SampleCocoMinibatchOptions {
  /** Captions per batch. Default `100`. */
  batchSize?: number;
  /** `'train'` or `'val'`. Default `'train'`. */
  split?: 'train' | 'val';
  /** Seed of the draw. Default `0`. */
  seed?: number;
}

/** One minibatch: captions, the features of their images, and the image URLs. */
export interface CocoMinibatch {
  /** `[batchSize, T]` word ids. */
  captions: Array2D<Int32Array>;
  /** `[batchSize, D]` features of each caption's image. */
  features: Array2D<Float32Array>;
  /** URL of each caption's image (empty strings when the URLs were not loaded). */
  urls: string[];
}

/**
 * Draws captions at random (with replacement, seeded) with the features of their images, as CS231n's
 * `sample_coco_minibatch`.
 *
 * ```ts
 * const batch = sampleCocoMinibatch(data, { batchSize: 50, split: 'val', seed: 1 });
 * ```
 * @param data - what {@link loadCocoCaptions} returned.
 * @param options - batch size, split and seed.
 * @returns captions, features and URLs, row-aligned.
 */
export function sampleCocoMinibatch(
  data: CocoCaptionData,
  options: SampleCocoMinibatchOptions = {},
): CocoMinibatch {
  const { batchSize = 100, split = 'train', seed = 0 } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new InvalidArgumentError('options.batchSize', 'a positive integer', String(batchSize));
  }
  if (split !== 'train' && split !== 'val') {
    throw new InvalidArgumentError('options.split', "'train' or 'val'", String(split));
  }
  const allCaptions = split === 'train' ? data.trainCaptions : data.valCaptions;
  const imageIdxs = split === 'train' ? data.trainImageIdxs : data.valImageIdxs;
  const allFeatures = split === 'train' ? data.trainFeatures : data.valFeatures;
  const urls = split === 'train' ? data.trainUrls : data.valUrls;
  const [count, length] = allCaptions.shape;
  const [numImages, dimension] = allFeatures.shape;
  if (count === 0) throw new InvalidArgumentError('data', `${split} captions`, 'none');
  const random = seededRandom(seed);
  const captions = new Int32Array(batchSize * length);
  const features = new Float32Array(batchSize * dimension);
  const batchUrls: string[] = [];
  for (let row = 0; row < batchSize; row++) {
    const pick = Math.min(count - 1, Math.floor(random() * count));
    const image = imageIdxs[pick] as number;
    if (!(image >= 0 && image < numImages)) {
      throw new InvalidArgumentError(
        `data.${split}ImageIdxs`,
        `image indices in [0, ${numImages}) (the rows of data.${split}Features)`,
        `${image} at [${pick}]`,
      );
    }
    captions.set(allCaptions.data.subarray(pick * length, (pick + 1) * length), row * length);
    features.set(allFeatures.data.subarray(image * dimension, (image + 1) * dimension), row * dimension);
    batchUrls.push(urls[image] ?? '');
  }
  return {
    captions: { data: captions, shape: [batchSize, length] },
    features: { data: features, shape: [batchSize, dimension] },
    urls: batchUrls,
  };
}
