import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ImageClassifier } from '@netlens/backends';
import { resizeAndCenterCrop } from '@netlens/image';
import { readImage } from '@netlens/image/node';
import * as tf from '@tensorflow/tfjs-core';
import { CliError, EXIT_CODES } from './cli-error';

/** Images read for a model: the batch at its input size, and a short name per image for file names. */
export interface LoadedImages {
  images: tf.Tensor4D;
  names: string[];
}

const PHOTOS = ['astronaut', 'chelsea', 'coffee', 'rocket'];

/** The sample images that ship in `@netlens/models` (`assets/samples`). */
export function bundledSamplePaths(kind: 'mnist' | 'photos'): string[] {
  const modelsRoot = dirname(createRequire(import.meta.url).resolve('@netlens/models/package.json'));
  const names = kind === 'mnist' ? Array.from({ length: 10 }, (_, digit) => `mnist-${digit}`) : PHOTOS;
  return names.map((name) => join(modelsRoot, 'assets', 'samples', `${name}.png`));
}

/**
 * Reads PNG or JPEG files into one `[N, H, W, C]` batch at the model's input size (resized and
 * centre-cropped, grey or RGB as the model wants); names are the file stems, made unique.
 */
export async function loadImages(
  paths: readonly string[],
  model: Pick<ImageClassifier, 'inputShape'>,
): Promise<LoadedImages> {
  if (paths.length === 0) throw new CliError('--image: give at least one image file.');
  // Models that accept any size get ImageNet's 224².
  const [height, width] = model.inputShape.map((size) => size ?? 224) as [number, number];
  const channels = model.inputShape[2];
  const batch: tf.Tensor4D[] = [];
  const names: string[] = [];
  try {
    for (const path of paths) {
      const absolute = resolve(path);
      if (!existsSync(absolute)) throw new CliError(`--image: no file at ${absolute}.`, EXIT_CODES.input);
      let decoded: tf.Tensor4D;
      try {
        decoded = await readImage(absolute, { colorMode: channels === 1 ? 'grayscale' : 'rgb' });
      } catch (error) {
        throw new CliError(`--image: cannot read ${absolute}: ${(error as Error).message}`, EXIT_CODES.input);
      }
      const sized = tf.tidy(() => resizeAndCenterCrop(decoded, [height, width]));
      decoded.dispose();
      batch.push(sized);
      const stem = basename(path, extname(path)).replace(/[^\w.-]+/g, '_') || 'image';
      let name = stem;
      for (let copy = 2; names.includes(name); copy++) name = `${stem}-${copy}`;
      names.push(name);
    }
    return { images: tf.concat(batch) as tf.Tensor4D, names };
  } finally {
    tf.dispose(batch);
  }
}
