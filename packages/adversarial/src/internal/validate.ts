import { assertValidImages, type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';

/** Checks that `value` is a finite number `≥ 0` (`> 0` when `strict`). */
export function assertNonNegative(value: unknown, argument: string, strict = false): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (strict && value === 0)) {
    throw new InvalidArgumentError(
      argument,
      strict ? 'a finite number > 0' : 'a finite number ≥ 0',
      typeof value === 'number' ? String(value) : typeof value,
    );
  }
}

/** Checks that `value` is an integer `≥ minimum`. */
export function assertInteger(value: unknown, argument: string, minimum = 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw new InvalidArgumentError(argument, `an integer ≥ ${minimum}`, String(value));
  }
}

/**
 * The most steps (iterations, search rounds) any attack accepts: far beyond every published
 * setting (Carlini and Wagner use 10 000), small enough that a mistyped `1e9` fails at once.
 */
export const MAX_STEPS = 100_000;

/** Checks that `value` is an integer in `[minimum, MAX_STEPS]`. */
export function assertStepCount(value: unknown, argument: string, minimum = 1): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > MAX_STEPS) {
    throw new InvalidArgumentError(argument, `an integer in [${minimum}, ${MAX_STEPS}]`, String(value));
  }
}

/** Checks that `signal`, when given, is an `AbortSignal`-like object. */
export function assertSignal(signal: unknown): void {
  if (signal !== undefined && (typeof signal !== 'object' || signal === null || !('aborted' in signal))) {
    throw new InvalidArgumentError('options.signal', 'an AbortSignal', typeof signal);
  }
}

/**
 * Checks a list of class indices: one per image, integers in `[0, numClasses)`.
 * @returns a copy of the list.
 */
export function checkClassList(
  classes: unknown,
  batch: number,
  numClasses: number,
  argument: string,
): number[] {
  if (!Array.isArray(classes)) {
    throw new InvalidArgumentError(argument, `an array of ${batch} class indices`, typeof classes);
  }
  if (classes.length !== batch) {
    throw new InvalidArgumentError(argument, `one class per image (${batch})`, `${classes.length} classes`);
  }
  for (const index of classes) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= numClasses) {
      throw new InvalidArgumentError(argument, `class indices in [0, ${numClasses - 1}]`, String(index));
    }
  }
  return [...classes];
}

/** Full check of user images (shape, dtype, no NaN, values in `[0, 1]`) against the model. */
export async function assertAttackImages(images: unknown, model: ImageClassifier): Promise<tf.Tensor4D> {
  if (model === null || typeof model !== 'object' || typeof model.logits !== 'function') {
    throw new InvalidArgumentError('model', 'an ImageClassifier', model === null ? 'null' : typeof model);
  }
  await assertValidImages(images, model);
  return images as tf.Tensor4D;
}
