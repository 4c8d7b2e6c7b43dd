import {
  assertImageBatchShape,
  assertValidImages,
  type ImageClassifier,
  InvalidArgumentError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

// Images that a method of this package perturbed itself (SmoothGrad's noisy copies). They may
// leave [0, 1] on purpose, so the wrapped method checks only their shape.
const perturbed = new WeakSet<tf.Tensor>();

/** Marks `images` as made internally from already validated images; returns them. */
export function markPerturbed<T extends tf.Tensor>(images: T): T {
  perturbed.add(images);
  return images;
}

/**
 * `assertValidImages` for user input; only the shape check for images marked by
 * {@link markPerturbed}, whose values were validated before perturbation.
 */
export async function assertValidInput(images: unknown, model: ImageClassifier): Promise<void> {
  if (images instanceof tf.Tensor && perturbed.has(images)) {
    assertImageBatchShape(images, model.inputShape);
    return;
  }
  await assertValidImages(images, model);
}

/**
 * Checks that attributions match their images: `[N, H, W, 1]` or `[N, H, W, C]` (evaluation metrics
 * accept channel-reduced and full maps).
 */
export function assertAttributionShape(
  attributions: unknown,
  images: tf.Tensor4D,
): asserts attributions is tf.Tensor4D {
  const [batch, height, width, channels] = images.shape;
  if (attributions instanceof tf.Tensor && attributions.isDisposed) {
    throw new InvalidArgumentError('attributions', 'a live tensor', 'a disposed tensor');
  }
  const ok =
    attributions instanceof tf.Tensor &&
    attributions.rank === 4 &&
    attributions.shape[0] === batch &&
    attributions.shape[1] === height &&
    attributions.shape[2] === width &&
    (attributions.shape[3] === 1 || attributions.shape[3] === channels);
  if (!ok) {
    throw new InvalidArgumentError(
      'attributions',
      `a [${batch}, ${height}, ${width}, 1 or ${channels}] tensor`,
      attributions instanceof tf.Tensor ? `shape [${attributions.shape}]` : typeof attributions,
    );
  }
}
