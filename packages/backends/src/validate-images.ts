import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from './contract/image-classifier';
import { InvalidArgumentError } from './errors';

function describeShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((dim) => (dim === null ? '?' : dim)).join(', ')}]`;
}

/**
 * Checks that `model` is an {@link ImageClassifier}: an object with a `logits` function, an
 * `inputShape` of three entries and a positive integer `numClasses`. Algorithms call it before
 * touching the model, so a wrong argument is an error naming it rather than a `TypeError`.
 * @param model - the value to check.
 * @param argumentName - the name reported in the error. Default `'model'`.
 */
export function assertClassifier(model: unknown, argumentName = 'model'): asserts model is ImageClassifier {
  const candidate = model as Partial<ImageClassifier> | null;
  const ok =
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.logits === 'function' &&
    Array.isArray(candidate.inputShape) &&
    candidate.inputShape.length === 3 &&
    Number.isInteger(candidate.numClasses) &&
    (candidate.numClasses as number) > 0;
  if (!ok) {
    throw new InvalidArgumentError(
      argumentName,
      'an ImageClassifier (fromLayersModel, fromGraphModel or fromFunction)',
      model === null ? 'null' : Array.isArray(model) ? 'an array' : typeof model,
    );
  }
}

/**
 * Checks rank, dtype, and the spatial size and channel count against a model input shape, without
 * reading tensor values (no GPU sync). Adapters call it on every forward pass.
 * @param images - the value to check.
 * @param inputShape - `[height, width, channels]`, `null` where any size is accepted.
 * @param argumentName - the name reported in the error.
 */
export function assertImageBatchShape(
  images: unknown,
  inputShape: readonly [number | null, number | null, number],
  argumentName = 'images',
): asserts images is tf.Tensor4D {
  const expected = `a float32 tensor [N, ${describeShape(inputShape).slice(1)}`;
  if (!(images instanceof tf.Tensor)) {
    throw new InvalidArgumentError(argumentName, expected, images === null ? 'null' : typeof images);
  }
  // tfjs would fail later with a TypeError from deep inside a kernel.
  if (images.isDisposed) throw new InvalidArgumentError(argumentName, expected, 'a disposed tensor');
  if (images.rank !== 4) {
    throw new InvalidArgumentError(argumentName, expected, `rank ${images.rank} shape [${images.shape}]`);
  }
  if (images.dtype !== 'float32') {
    throw new InvalidArgumentError(argumentName, expected, `dtype ${images.dtype}`);
  }
  const [, height, width, channels] = images.shape as number[];
  const [wantHeight, wantWidth, wantChannels] = inputShape;
  if (channels !== wantChannels) {
    throw new InvalidArgumentError(
      argumentName,
      `${wantChannels} channels (${expected})`,
      `${channels} channels`,
    );
  }
  if ((wantHeight !== null && height !== wantHeight) || (wantWidth !== null && width !== wantWidth)) {
    throw new InvalidArgumentError(argumentName, expected, `shape [${images.shape}]`);
  }
}

/**
 * Full input check for user-supplied images: everything {@link assertImageBatchShape} checks, plus no
 * NaN and every value in `[0, 1]` (one small asynchronous read-back of three scalars; asynchronous
 * because WebGPU in Node cannot read synchronously). Algorithms call it once on their inputs, not on
 * the perturbed images they make internally.
 *
 * ```ts
 * await assertValidImages(images, classifier); // rejects with InvalidArgumentError naming `images`
 * ```
 * @param images - `[N, H, W, C]` float32 pixels.
 * @param model - the classifier the images are for (its `inputShape`), or an input shape.
 * @param argumentName - the name reported in the error. Default `'images'`.
 */
export async function assertValidImages(
  images: unknown,
  model: Pick<ImageClassifier, 'inputShape'> | readonly [number | null, number | null, number],
  argumentName = 'images',
): Promise<void> {
  if (!Array.isArray(model)) assertClassifier(model);
  const inputShape = 'inputShape' in model ? model.inputShape : model;
  assertImageBatchShape(images, inputShape, argumentName);
  if (images.size === 0) {
    throw new InvalidArgumentError(argumentName, 'at least one image', `shape [${images.shape}]`);
  }
  const stats = tf.tidy(() =>
    tf.stack([tf.min(images), tf.max(images), tf.cast(tf.any(tf.isNaN(images)), 'float32')]),
  );
  const [low, high, hasNaN] = await stats.data();
  stats.dispose();
  if (hasNaN) throw new InvalidArgumentError(argumentName, 'finite pixel values', 'NaN');
  if ((low as number) < 0 || (high as number) > 1) {
    const show = (value: number | undefined) => Number((value as number).toPrecision(6));
    throw new InvalidArgumentError(
      argumentName,
      'pixel values in [0, 1]',
      `values in [${show(low)}, ${show(high)}]`,
    );
  }
}
