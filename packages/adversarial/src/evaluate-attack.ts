import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import type { AttackTarget } from './internal/targets';
import { resolveAttackTargets } from './internal/targets';
import { assertAttackImages, assertNonNegative, checkClassList } from './internal/validate';

/**
 * What {@link evaluateAttack} runs per ε: any attack taking `{ epsilon, labels, target }`, such as
 * `fgsm`, `bim`, `pgd` or `mifgsm` themselves, or a closure fixing other options. Minimal-perturbation
 * attacks (`deepFool`, `carliniWagnerL2`) ignore ε; their examples count at an ε only within the norm.
 */
export type AttackFunction = (
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: { epsilon: number; labels: readonly number[]; target?: AttackTarget },
) => Promise<tf.Tensor4D>;

/** Options for {@link evaluateAttack}. */
export interface EvaluateAttackOptions {
  /** The ε grid, in pixel units; one attack run each. Required, non-empty, each ≥ 0. */
  epsilons: readonly number[];
  /** Passed to the attack; success then means reaching the target. Default `'untargeted'` (misclassification). */
  target?: AttackTarget;
  /** Seed of `'randomOther'` targets. Default `0`. */
  seed?: number;
  /**
   * The norm ε bounds: an adversarial image counts at ε only if its perturbation is within ε in it.
   * Default `'linf'`; use `'l2'` for L2 attacks.
   */
  norm?: 'linf' | 'l2';
}

/** Mean and median of a distance over the successful adversarial examples (`NaN` when none). */
export interface DistanceSummary {
  /** Arithmetic mean. */
  mean: number;
  /** Median (the mean of the two middle values for an even count). */
  median: number;
}

/** One image's outcome at one ε. */
export interface ExampleResult {
  /** The true class. */
  label: number;
  /** The attack's target, for targeted attacks. */
  target?: number;
  /** The class predicted on the adversarial image. */
  predicted: number;
  /** Whether the attack succeeded within ε (misclassified, or classified as the target). */
  success: boolean;
  /** Number of changed values (pixels × channels). */
  l0: number;
  /** L2 norm of the perturbation. */
  l2: number;
  /** L∞ norm of the perturbation. */
  linf: number;
}

/** The outcome at one ε. */
export interface EpsilonResult {
  /** The ε of this run. */
  epsilon: number;
  /** Fraction of images on which the attack succeeded within ε. */
  successRate: number;
  /**
   * Fraction of images still classified correctly: correct on the clean image and not turned
   * into an adversarial example within ε (Foolbox's robust accuracy).
   */
  robustAccuracy: number;
  /** Number of changed values (pixels × channels) of the successful examples. */
  l0: DistanceSummary;
  /** L2 norm of the perturbation of the successful examples. */
  l2: DistanceSummary;
  /** L∞ norm of the perturbation of the successful examples. */
  linf: DistanceSummary;
  /** One entry per image. */
  examples: ExampleResult[];
}

/** What {@link evaluateAttack} returns. */
export interface AttackEvaluation {
  /** Fraction of clean images classified as their label. */
  cleanAccuracy: number;
  /** One entry per ε, in the order given. */
  results: EpsilonResult[];
}

function summary(values: number[]): DistanceSummary {
  if (values.length === 0) return { mean: Number.NaN, median: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, median };
}

/**
 * Runs an attack over a grid of ε in one call and reports, per ε, the success rate, the robust
 * accuracy and the L0/L2/L∞ perturbation norms (mean and median over successful examples), with
 * per-image results: Foolbox 3's evaluation, for any netlens attack.
 *
 * ```ts
 * const { cleanAccuracy, results } = await evaluateAttack(classifier, fgsm, images, labels, {
 *   epsilons: [0, 0.05, 0.1, 0.2, 0.3],
 * });
 * for (const r of results) console.log(r.epsilon, r.robustAccuracy, r.l2.median);
 * const strong = (m, x, o) => pgd(m, x, { ...o, numSteps: 40, stepSize: 0.01 });
 * await evaluateAttack(classifier, strong, images, labels, { epsilons: [0.3] });
 * ```
 * Sources: Rauber et al. 2020, "Foolbox Native" (success and robust accuracy over an ε grid).
 * @param model - the classifier to attack.
 * @param attack - the attack to run per ε.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param labels - the true class of each image.
 * @param options - the ε grid, target, seed and norm.
 * @returns the clean accuracy and one result per ε (plain numbers; no tensors to dispose).
 * @throws InvalidArgumentError for invalid images, labels or ε.
 */
export async function evaluateAttack(
  model: ImageClassifier,
  attack: AttackFunction,
  images: tf.Tensor4D,
  labels: readonly number[],
  options: EvaluateAttackOptions,
): Promise<AttackEvaluation> {
  if (typeof attack !== 'function') {
    throw new InvalidArgumentError('attack', 'an attack function (model, images, options)', typeof attack);
  }
  const { epsilons, norm = 'linf' } = options ?? ({} as EvaluateAttackOptions);
  if (!Array.isArray(epsilons) || epsilons.length === 0) {
    throw new InvalidArgumentError('options.epsilons', 'a non-empty array of ε ≥ 0', String(epsilons));
  }
  for (const [index, epsilon] of epsilons.entries()) assertNonNegative(epsilon, `options.epsilons[${index}]`);
  if (norm !== 'linf' && norm !== 'l2') {
    throw new InvalidArgumentError('options.norm', "'linf' or 'l2'", String(norm));
  }
  await assertAttackImages(images, model);
  const batch = images.shape[0];
  const trueLabels = checkClassList(labels, batch, model.numClasses, 'labels');
  const { targets } = await resolveAttackTargets(model, images, {
    labels: trueLabels,
    target: options.target ?? 'untargeted',
    seed: options.seed ?? 0,
  });
  const cleanPredicted = tf.tidy(() => tf.argMax(model.logits(images), 1));
  const clean = Array.from(await cleanPredicted.data());
  cleanPredicted.dispose();
  const correct = clean.map((value, i) => value === trueLabels[i]);

  const results: EpsilonResult[] = [];
  for (const epsilon of epsilons) {
    const adversarial = await attack(model, images, {
      epsilon,
      labels: trueLabels,
      ...(targets ? { target: targets } : {}),
    });
    const packed = tf.tidy(() => {
      const delta = tf.reshape(tf.sub(adversarial, images), [batch, -1]);
      return tf.concat([
        tf.cast(tf.argMax(model.logits(adversarial), 1), 'float32'),
        tf.sum(tf.cast(tf.notEqual(delta, 0), 'float32'), 1),
        tf.sqrt(tf.sum(tf.square(delta), 1)),
        tf.max(tf.abs(delta), 1),
      ]);
    });
    adversarial.dispose();
    const values = Array.from(await packed.data());
    packed.dispose();
    // Float32 rounding of x + ε − x may exceed ε by an ulp; allow for it.
    const slack = epsilon * 1e-5 + 1e-7;
    const misclassifiedWithin: boolean[] = [];
    const examples = trueLabels.map((label, i): ExampleResult => {
      const predicted = values[i] as number;
      const l0 = values[batch + i] as number;
      const l2 = values[2 * batch + i] as number;
      const linf = values[3 * batch + i] as number;
      const within = (norm === 'linf' ? linf : l2) <= epsilon + slack;
      const reached = targets ? predicted === targets[i] : predicted !== label;
      misclassifiedWithin.push(predicted !== label && within);
      return {
        label,
        ...(targets ? { target: targets[i] as number } : {}),
        predicted,
        success: reached && within,
        l0,
        l2,
        linf,
      };
    });
    const successful = examples.filter((example) => example.success);
    const robust = examples.filter((_, i) => correct[i] && !misclassifiedWithin[i]);
    results.push({
      epsilon,
      successRate: successful.length / batch,
      robustAccuracy: robust.length / batch,
      l0: summary(successful.map((example) => example.l0)),
      l2: summary(successful.map((example) => example.l2)),
      linf: summary(successful.map((example) => example.linf)),
      examples,
    });
  }
  return { cleanAccuracy: correct.filter(Boolean).length / batch, results };
}
