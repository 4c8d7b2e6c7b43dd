import type { ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { projectedStep } from './internal/iterative';
import { type AttackStep, runSteps, type StepOptions } from './internal/steps';
import { type AttackTargetOptions, resolveAttackTargets } from './internal/targets';
import { assertAttackImages, assertNonNegative, assertSignal, assertStepCount } from './internal/validate';

/** Options for {@link bim}. */
export interface BimOptions extends AttackTargetOptions, StepOptions<AttackStep> {
  /** L∞ radius of the allowed perturbation, in pixel units. Default `8/255` (torchattacks). */
  epsilon?: number;
  /** Size of each signed step. Default `epsilon / 4` (`2/255` at the default ε, as torchattacks). */
  stepSize?: number;
  /** Number of steps, an integer in `[0, 100000]`. Default `10` (torchattacks). */
  numSteps?: number;
}

/**
 * The basic iterative method (I-FGSM): `numSteps` FGSM steps of size `stepSize`, each followed by
 * clipping to the L∞ ε-ball around the clean images and to `[0, 1]`. Starts at the clean images
 * (PGD with `randomStart: false`). Each step is one `tf.tidy`; the loop yields to the event loop.
 *
 * ```ts
 * const adversarial = await bim(classifier, images, { epsilon: 0.1, numSteps: 20, onStep: ({ step }) => log(step) });
 * ```
 * Sources: Kurakin, Goodfellow and Bengio 2017, "Adversarial Examples in the Physical World".
 * @param model - the classifier to attack.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - ε, step size, steps, labels, target, `onStep`, `signal`.
 * @returns the adversarial images in the ε-ball and in `[0, 1]`; the caller disposes them.
 * @throws InvalidArgumentError for invalid images or options; NetlensError `'ABORTED'` when aborted.
 */
export async function bim(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: BimOptions = {},
): Promise<tf.Tensor4D> {
  const { epsilon = 8 / 255, numSteps = 10 } = options;
  assertNonNegative(epsilon, 'options.epsilon');
  const stepSize = options.stepSize ?? epsilon / 4;
  assertNonNegative(stepSize, 'options.stepSize');
  assertStepCount(numSteps, 'options.numSteps', 0);
  assertSignal(options.signal);
  await assertAttackImages(images, model);
  const resolved = await resolveAttackTargets(model, images, options);
  const { images: adversarial } = await runSteps(
    { images: tf.clone(images) },
    numSteps,
    ({ images: current }) => ({
      images: projectedStep(model, current, images, resolved, stepSize, epsilon, 'linf'),
    }),
    options,
  );
  return adversarial;
}
