import type { ImageClassifier } from '@netlens/backends';
import { gradientScope, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Which score to explain: one class for every image, one class per image, or each image's
 * predicted (top-1) class on the unperturbed input.
 */
export type Target = number | readonly number[] | 'predicted';

/**
 * Any differentiable scalar per image, instead of a class logit: `(model, images) → [N]`. Lets
 * captioning scores, margins or custom objectives be explained with the same methods.
 */
export type ScoreFunction = (model: ImageClassifier, images: tf.Tensor4D) => tf.Tensor1D;

/** Options every attribution method accepts for choosing what to explain. */
export interface TargetOptions {
  /**
   * The class to explain. Default `'predicted'`, which refuses a model whose logits hold NaN or
   * ±Infinity (an `InvalidArgumentError` naming `model`); an explicit class skips that check.
   * Ignored when `scoreFn` is given.
   */
  target?: Target;
  /** Explain this scalar per image instead of a class logit. */
  scoreFn?: ScoreFunction;
}

/**
 * Resolves `target` to class indices, one per image, validating range and length. `'predicted'` is
 * the argmax of the logits of `images`, read back once, asynchronously, with a check that they are
 * finite: the argmax of NaN is meaningless, and such a model makes every gradient map NaN.
 * @returns plain indices (no tensors to dispose).
 */
export async function resolveTargets(
  model: ImageClassifier,
  images: tf.Tensor4D,
  target: Target = 'predicted',
  argumentName = 'options.target',
): Promise<number[]> {
  const batch = images.shape[0];
  if (target === 'predicted') {
    const packed = tf.tidy(() => {
      const logits = model.logits(images);
      const finite = tf.all(tf.isFinite(logits), 1);
      return tf.concat([tf.cast(tf.argMax(logits, 1), 'float32'), tf.cast(tf.logicalNot(finite), 'float32')]);
    });
    const values = Array.from(await packed.data());
    packed.dispose();
    const bad = values.slice(batch).flatMap((flag, index) => (flag === 0 ? [] : [index]));
    if (bad.length > 0) {
      throw new InvalidArgumentError(
        'model',
        "finite logits for target 'predicted' (an explicit target skips this check)",
        `NaN or ±Infinity in the logits of image ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ', …' : ''}`,
      );
    }
    return values.slice(0, batch);
  }
  if (typeof target !== 'number' && !Array.isArray(target)) {
    throw new InvalidArgumentError(
      argumentName,
      `a class index, one class per image or 'predicted'`,
      target === null ? 'null' : typeof target === 'string' ? `'${target}'` : typeof target,
    );
  }
  const list = typeof target === 'number' ? new Array<number>(batch).fill(target) : [...target];
  if (list.length !== batch) {
    throw new InvalidArgumentError(argumentName, `one class per image (${batch})`, `${list.length} classes`);
  }
  for (const index of list) {
    if (!Number.isInteger(index) || index < 0 || index >= model.numClasses) {
      throw new InvalidArgumentError(
        argumentName,
        `class indices in [0, ${model.numClasses - 1}] or 'predicted'`,
        String(index),
      );
    }
  }
  return list;
}

/**
 * The scalar each image contributes: `logits[i, targets[i]]`, or `scoreFn` when given. The returned
 * function is differentiable with respect to its images; `targets` repeat when the batch is a whole
 * multiple of their count (so perturbed copies of each image keep its target).
 */
export function scoreOf(
  model: ImageClassifier,
  targets: readonly number[],
  scoreFn?: ScoreFunction,
): (images: tf.Tensor4D) => tf.Tensor1D {
  if (scoreFn) {
    return (images) => {
      const scores = scoreFn(model, images);
      if (scores.rank !== 1 || scores.shape[0] !== images.shape[0]) {
        throw new InvalidArgumentError(
          'options.scoreFn',
          `a function returning [${images.shape[0]}] scores`,
          `shape [${scores.shape}]`,
        );
      }
      return scores;
    };
  }
  return (images) =>
    tf.tidy(() => {
      const batch = images.shape[0];
      const repeated = Array.from({ length: batch }, (_, index) => targets[index % targets.length] as number);
      const mask = tf.oneHot(tf.tensor1d(repeated, 'int32'), model.numClasses);
      return tf.sum(tf.mul(model.logits(images), mask), 1) as tf.Tensor1D;
    });
}

/**
 * `∂ score_i / ∂ images_i` for every image: one backward pass of the summed scores (images are
 * independent, so the sum's gradient is each image's own gradient). A model that throws leaves no
 * tensors behind.
 */
export function inputGradient(score: (images: tf.Tensor4D) => tf.Tensor1D, images: tf.Tensor4D): tf.Tensor4D {
  return gradientScope(
    () => tf.grad((x: tf.Tensor) => tf.sum(score(x as tf.Tensor4D)))(images) as tf.Tensor4D,
  );
}
