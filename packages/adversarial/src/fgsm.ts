import type { ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { attackGradient } from './internal/loss';
import { clipToPixels } from './internal/projection';
import { type AttackTargetOptions, resolveAttackTargets } from './internal/targets';
import { assertAttackImages, assertNonNegative } from './internal/validate';

/** Options for {@link fgsm}. */
export interface FgsmOptions extends AttackTargetOptions {
  /** L∞ size of the perturbation, in pixel units (`[0, 1]` images). Default `8/255` (torchattacks, Foolbox). */
  epsilon?: number;
}

/**
 * The fast gradient sign method: one step of size ε along the sign of the loss gradient,
 * `x' = clip(x + ε·sign(∇ₓ CE(f(x), y)), 0, 1)`; targeted, `x' = clip(x − ε·sign(∇ₓ CE(f(x), t)), 0, 1)`.
 * One backward pass for the whole batch.
 *
 * ```ts
 * const adversarial = await fgsm(classifier, images, { epsilon: 0.1 });             // untargeted
 * const towards3 = await fgsm(classifier, images, { epsilon: 0.1, target: 3 });     // targeted
 * ```
 * Sources: Goodfellow, Shlens and Szegedy 2015, "Explaining and Harnessing Adversarial Examples".
 * @param model - the classifier to attack.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - ε, labels (default: the clean prediction), target (default untargeted), seed.
 * @returns the adversarial images `[N, H, W, C]` in `[0, 1]`; the caller disposes them.
 * @throws InvalidArgumentError for invalid images, ε, labels or target.
 */
export async function fgsm(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: FgsmOptions = {},
): Promise<tf.Tensor4D> {
  const { epsilon = 8 / 255 } = options;
  assertNonNegative(epsilon, 'options.epsilon');
  await assertAttackImages(images, model);
  const resolved = await resolveAttackTargets(model, images, options);
  return tf.tidy(() =>
    clipToPixels(tf.add(images, tf.mul(epsilon, tf.sign(attackGradient(model, images, resolved))))),
  );
}
