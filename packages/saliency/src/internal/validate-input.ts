import { assertImageBatchShape, assertValidImages, type ImageClassifier } from '@netlens/backends';
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
