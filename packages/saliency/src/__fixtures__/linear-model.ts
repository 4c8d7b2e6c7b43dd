import { fromFunction, type ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** `[height, width, channels]` of the hand-built linear model's images. */
export const LINEAR_SHAPE = [2, 2, 3] as const;
export const LINEAR_CLASSES = 3;
const PIXELS = 2 * 2 * 3;

/** `W[p][k]`: weight of flat input value `p` (HWC order) for class `k`; quarters, so float32 is exact. */
export const LINEAR_WEIGHTS: readonly (readonly number[])[] = Array.from({ length: PIXELS }, (_, p) =>
  Array.from({ length: LINEAR_CLASSES }, (_, k) => (((p * 7 + k * 5) % 11) - 5) / 4),
);

/** `logits = flatten(x) · W`, no bias, so `∂ logit_k / ∂ x_p = W[p][k]` everywhere. */
export function createLinearModel(): { classifier: ImageClassifier; dispose(): void } {
  const weights = tf.tensor2d(LINEAR_WEIGHTS.map((row) => [...row]));
  const classifier = fromFunction(
    (x) => tf.matMul(tf.reshape(x, [x.shape[0], PIXELS]), weights) as tf.Tensor2D,
    { inputShape: LINEAR_SHAPE, numClasses: LINEAR_CLASSES },
  );
  return { classifier, dispose: () => weights.dispose() };
}

/** `W[:, k]` as one image, `[H·W·C]` in HWC order. */
export function weightColumn(k: number): number[] {
  return LINEAR_WEIGHTS.map((row) => row[k] as number);
}

/** Reduces a flat HWC image over its channels with `reduce`. */
export function reducePixels(values: readonly number[], reduce: (channels: number[]) => number): number[] {
  const out: number[] = [];
  for (let p = 0; p < values.length; p += 3) out.push(reduce(values.slice(p, p + 3)));
  return out;
}

/** Seeded-free deterministic pixels in (0, 1) for `n` linear-model images. */
export function linearImages(n: number): tf.Tensor4D {
  const values = Array.from({ length: n * PIXELS }, (_, i) => ((i * 5) % 16) / 16 + 1 / 32);
  return tf.tensor4d(values, [n, ...LINEAR_SHAPE]);
}
