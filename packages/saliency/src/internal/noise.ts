import { seededRandom } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The seed of SmoothGrad's `sample`-th noise draw: a hash of `(seed, sample)`, so every sample's
 * noise is the same whatever the chunking into batches.
 */
export function sampleSeed(seed: number, sample: number): number {
  let hash = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  hash = Math.imul(hash ^ (sample >>> 0) ^ (hash >>> 13), 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * Seeded Gaussian noise (Box–Muller on {@link seededRandom}), identical on every backend.
 * @param shape - the tensor shape.
 * @param seed - the generator seed.
 * @param std - the standard deviation, or one per entry of the first dimension (per image).
 * @returns a float32 tensor the caller disposes.
 */
export function gaussianNoise(
  shape: readonly number[],
  seed: number,
  std: number | readonly number[] = 1,
): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const next = seededRandom(seed);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    // 1 − u lies in (0, 1], so the logarithm stays finite.
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    values[i] = radius * Math.cos(angle);
    if (i + 1 < size) values[i + 1] = radius * Math.sin(angle);
  }
  const perItem = size / (shape[0] ?? 1);
  for (let i = 0; i < size; i++) {
    const scale = typeof std === 'number' ? std : (std[Math.floor(i / perItem)] ?? 0);
    values[i] = (values[i] as number) * scale;
  }
  return tf.tensor(values, [...shape], 'float32');
}
