import type { ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { attackGradient } from './internal/loss';
import { projectToBall } from './internal/projection';
import { type AttackStep, runSteps, type StepOptions } from './internal/steps';
import { type AttackTargetOptions, resolveAttackTargets } from './internal/targets';
import { assertAttackImages, assertNonNegative, assertSignal, assertStepCount } from './internal/validate';

/** Options for {@link mifgsm}. */
export interface MifgsmOptions extends AttackTargetOptions, StepOptions<AttackStep> {
  /** L∞ radius of the allowed perturbation, in pixel units. Default `8/255` (torchattacks). */
  epsilon?: number;
  /** Size of each signed step. Default `epsilon / 4` (`2/255` at the default ε, as torchattacks). */
  stepSize?: number;
  /** Number of steps, an integer in `[0, 100000]`. Default `10` (torchattacks). */
  numSteps?: number;
  /** Momentum decay μ. Default `1` (Dong et al., torchattacks). */
  decay?: number;
}

/**
 * Momentum iterative FGSM: accumulates `g ← μ·g + ∇/mean|∇|` (the gradient normalised per example
 * by its mean absolute value, as torchattacks; the paper's L1 norm differs by a constant factor)
 * and steps along `sign(g)`, projecting onto the L∞ ε-ball and `[0, 1]` after every step. The
 * momentum makes the examples transfer better to other models.
 *
 * ```ts
 * const adversarial = await mifgsm(classifier, images, { epsilon: 16 / 255, decay: 1 });
 * ```
 * Sources: Dong et al. 2018, "Boosting Adversarial Attacks with Momentum".
 * @param model - the classifier to attack.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - ε, step size, steps, decay, labels, target, `onStep`, `signal`.
 * @returns the adversarial images in the ε-ball and in `[0, 1]`; the caller disposes them.
 * @throws InvalidArgumentError for invalid images or options; NetlensError `'ABORTED'` when aborted.
 */
export async function mifgsm(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: MifgsmOptions = {},
): Promise<tf.Tensor4D> {
  const { epsilon = 8 / 255, numSteps = 10, decay = 1 } = options;
  assertNonNegative(epsilon, 'options.epsilon');
  const stepSize = options.stepSize ?? epsilon / 4;
  assertNonNegative(stepSize, 'options.stepSize');
  assertStepCount(numSteps, 'options.numSteps', 0);
  assertNonNegative(decay, 'options.decay');
  assertSignal(options.signal);
  await assertAttackImages(images, model);
  const resolved = await resolveAttackTargets(model, images, options);
  const { images: adversarial, momentum } = await runSteps(
    { images: tf.clone(images), momentum: tf.zerosLike(images) },
    numSteps,
    ({ images: current, momentum }) => {
      const gradient = attackGradient(model, current, resolved);
      const scale = tf.add(tf.mean(tf.abs(gradient), [1, 2, 3], true), 1e-12);
      const next = tf.add(tf.mul(decay, momentum), tf.div(gradient, scale)) as tf.Tensor4D;
      const stepped = tf.add(current, tf.mul(stepSize, tf.sign(next))) as tf.Tensor4D;
      return { images: projectToBall(stepped, images, epsilon, 'linf'), momentum: next };
    },
    options,
  );
  momentum.dispose();
  return adversarial;
}
