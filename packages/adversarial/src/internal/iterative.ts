import type { ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { attackGradient } from './loss';
import { normalizeL2, type PerturbationNorm, projectToBall } from './projection';
import type { ResolvedTargets } from './targets';

/**
 * One projected step: `x + α·sign(∇)` (L∞) or `x + α·∇/‖∇‖₂` (L2), projected onto the ε-ball
 * around `original` and clipped to pixels. The step of BIM and PGD.
 */
export function projectedStep(
  model: ImageClassifier,
  images: tf.Tensor4D,
  original: tf.Tensor4D,
  resolved: ResolvedTargets,
  stepSize: number,
  epsilon: number,
  norm: PerturbationNorm,
): tf.Tensor4D {
  return tf.tidy(() => {
    const gradient = attackGradient(model, images, resolved);
    const direction = norm === 'linf' ? tf.sign(gradient) : normalizeL2(gradient);
    return projectToBall(tf.add(images, tf.mul(stepSize, direction)) as tf.Tensor4D, original, epsilon, norm);
  });
}
