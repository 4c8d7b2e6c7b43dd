import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { projectedStep } from './internal/iterative';
import { type PerturbationNorm, randomStart } from './internal/projection';
import { type AttackStep, runSteps, type StepOptions } from './internal/steps';
import { type AttackTargetOptions, resolveAttackTargets } from './internal/targets';
import { assertAttackImages, assertNonNegative, assertSignal, assertStepCount } from './internal/validate';

/** Options for {@link pgd}. */
export interface PgdOptions extends AttackTargetOptions, StepOptions<AttackStep> {
  /** The norm of the ε-ball: `'linf'` or `'l2'`. Default `'linf'`. */
  norm?: PerturbationNorm;
  /** Radius of the ε-ball in pixel units. Default `8/255` for L∞ and `1` for L2 (torchattacks' PGD and PGDL2). */
  epsilon?: number;
  /** Size of each step. Default `epsilon / 4` for L∞ and `epsilon / 5` for L2 (torchattacks: `2/255`, `0.2`). */
  stepSize?: number;
  /** Number of steps, an integer in `[0, 100000]`. Default `10` (torchattacks). */
  numSteps?: number;
  /**
   * Start from a seeded random point of the ε-ball (uniform per value for L∞; a random direction
   * with a uniform radius for L2) instead of the clean images. Default `true`.
   */
  randomStart?: boolean;
}

/**
 * Projected gradient descent: from a random point of the ε-ball, `numSteps` steps along the sign of
 * the loss gradient (L∞) or along the L2-normalised gradient (L2), each followed by the exact
 * projection onto the ball and clipping to `[0, 1]`. Targeted attacks descend the target's
 * cross-entropy. Each step is one `tf.tidy`; the loop yields to the event loop.
 *
 * ```ts
 * const adversarial = await pgd(classifier, images, { epsilon: 0.3, numSteps: 40, stepSize: 0.01 });
 * const l2 = await pgd(classifier, images, { norm: 'l2', epsilon: 2, target: 'leastLikely' });
 * ```
 * Sources: Madry et al. 2018, "Towards Deep Learning Models Resistant to Adversarial Attacks".
 * @param model - the classifier to attack.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - norm, ε, step size, steps, random start, labels, target, seed, `onStep`, `signal`.
 * @returns the adversarial images in the ε-ball and in `[0, 1]`; the caller disposes them.
 * @throws InvalidArgumentError for invalid images or options; NetlensError `'ABORTED'` when aborted.
 */
export async function pgd(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: PgdOptions = {},
): Promise<tf.Tensor4D> {
  const { norm = 'linf', numSteps = 10, randomStart: random = true, seed = 0 } = options;
  if (norm !== 'linf' && norm !== 'l2') {
    throw new InvalidArgumentError('options.norm', "'linf' or 'l2'", String(norm));
  }
  const epsilon = options.epsilon ?? (norm === 'linf' ? 8 / 255 : 1);
  assertNonNegative(epsilon, 'options.epsilon');
  const stepSize = options.stepSize ?? (norm === 'linf' ? epsilon / 4 : epsilon / 5);
  assertNonNegative(stepSize, 'options.stepSize');
  assertStepCount(numSteps, 'options.numSteps', 0);
  assertSignal(options.signal);
  await assertAttackImages(images, model);
  const resolved = await resolveAttackTargets(model, images, options);
  const start = random ? randomStart(images, epsilon, norm, seed) : tf.clone(images);
  const { images: adversarial } = await runSteps(
    { images: start },
    numSteps,
    ({ images: current }) => ({
      images: projectedStep(model, current, images, resolved, stepSize, epsilon, norm),
    }),
    options,
  );
  return adversarial;
}
