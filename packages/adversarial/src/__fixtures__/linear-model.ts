import { fromFunction, type ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** `[height, width, channels]` of the hand-built linear model's images. */
export const LINEAR_SHAPE = [2, 2, 3] as const;
export const LINEAR_CLASSES = 3;
export const LINEAR_PIXELS = 2 * 2 * 3;

/** `W[p][k]`: weight of flat input value `p` (HWC order) for class `k`; quarters, so float32 is exact. */
export const LINEAR_WEIGHTS: readonly (readonly number[])[] = Array.from({ length: LINEAR_PIXELS }, (_, p) =>
  Array.from({ length: LINEAR_CLASSES }, (_, k) => (((p * 7 + k * 5) % 11) - 5) / 4),
);

/** Per-class bias `b[k]`. */
export const LINEAR_BIAS: readonly number[] = [0.5, -0.25, 0];

/** `logits = flatten(x) · W + b`, so `∂ logit_k / ∂ x_p = W[p][k]` everywhere. */
export function createLinearModel(): { classifier: ImageClassifier; dispose(): void } {
  const weights = tf.tensor2d(LINEAR_WEIGHTS.map((row) => [...row]));
  const bias = tf.tensor1d([...LINEAR_BIAS]);
  const classifier = fromFunction(
    (x) => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], LINEAR_PIXELS]), weights), bias) as tf.Tensor2D,
    { inputShape: LINEAR_SHAPE, numClasses: LINEAR_CLASSES },
  );
  return { classifier, dispose: () => tf.dispose([weights, bias]) };
}

/** The logits of flat images, computed in float64 by hand. */
export function linearLogits(flat: readonly number[]): number[] {
  return LINEAR_BIAS.map(
    (b, k) => b + flat.reduce((sum, value, p) => sum + value * (LINEAR_WEIGHTS[p]?.[k] as number), 0),
  );
}

/** `W[:, k]` as one flat image in HWC order. */
export function weightColumn(k: number): number[] {
  return LINEAR_WEIGHTS.map((row) => row[k] as number);
}

/** Deterministic pixels in (0.3, 0.7) for `n` linear-model images: far from the pixel bounds. */
export function linearValues(n: number): number[] {
  return Array.from({ length: n * LINEAR_PIXELS }, (_, i) => 0.3 + (((i * 5) % 16) / 16) * 0.4);
}
