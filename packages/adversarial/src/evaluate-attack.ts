import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertAllowNonFinite, assertFiniteRows, type FiniteOptions, nonFiniteRows } from './internal/finite';
import { throwIfAborted, yieldToEventLoop } from './internal/steps';
import type { AttackTarget } from './internal/targets';
import { resolveAttackTargets } from './internal/targets';
import { assertAttackImages, assertNonNegative, assertSignal, checkClassList } from './internal/validate';

/**
 * What {@link evaluateAttack} runs per ε: any attack taking `{ epsilon, labels, target, signal }`,
 * such as `fgsm`, `bim`, `pgd` or `mifgsm` themselves, or a closure fixing other options.
 * Minimal-perturbation attacks (`deepFool`, `carliniWagnerL2`) ignore ε; their examples count at an ε
 * only within the norm. It must resolve to new float32 images of the input's shape in `[0, 1]`
 * (which {@link evaluateAttack} disposes), or to its input itself (which it leaves alone).
 */
export type AttackFunction = (
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: { epsilon: number; labels: readonly number[]; target?: AttackTarget; signal?: AbortSignal },
) => Promise<tf.Tensor4D>;

/** What `onStep` of {@link evaluateAttack} receives after each ε. */
export interface EvaluationStep {
  /** ε values done so far, from 1. */
  step: number;
  /** The number of ε values. */
  numSteps: number;
  /** The outcome at the ε just evaluated. */
  result: EpsilonResult;
}

/** Options for {@link evaluateAttack}. */
export interface EvaluateAttackOptions extends FiniteOptions {
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
  /** Called after each ε with its result; awaited when it returns a promise. */
  onStep?: (step: EvaluationStep) => void | Promise<void>;
  /**
   * Stops the evaluation before its next ε (and is passed to the attack, which may stop sooner); it
   * then rejects with a `NetlensError` of code `'ABORTED'`.
   */
  signal?: AbortSignal;
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

/** Checks that an attack resolved to live float32 images of the input's shape. */
function assertAttackOutput(adversarial: unknown, images: tf.Tensor4D): asserts adversarial is tf.Tensor4D {
  const expected = `a function resolving to float32 images of shape [${images.shape}]`;
  if (!(adversarial instanceof tf.Tensor)) {
    throw new InvalidArgumentError(
      'attack',
      expected,
      `an output of type ${adversarial === null ? 'null' : typeof adversarial}`,
    );
  }
  if (adversarial.isDisposed) throw new InvalidArgumentError('attack', expected, 'a disposed tensor');
  if (adversarial.dtype !== 'float32') {
    throw new InvalidArgumentError('attack', expected, `an output of dtype ${adversarial.dtype}`);
  }
  if (
    adversarial.rank !== 4 ||
    (adversarial.shape as number[]).some((size: number, axis: number) => size !== images.shape[axis])
  ) {
    throw new InvalidArgumentError('attack', expected, `an output of shape [${adversarial.shape}]`);
  }
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
 * @param options - the ε grid, target, seed, norm, `onStep` and `signal`.
 * @returns the clean accuracy and one result per ε (plain numbers; no tensors to dispose).
 * @throws InvalidArgumentError for invalid images, labels or ε, for non-finite logits, and naming
 * `attack` when an attack's output is not float32 images of the input's shape in `[0, 1]`.
 * @throws NetlensError `'ABORTED'` when `signal` aborts.
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
  const { onStep, signal } = options;
  if (onStep !== undefined && typeof onStep !== 'function') {
    throw new InvalidArgumentError('options.onStep', 'a function', typeof onStep);
  }
  assertSignal(signal);
  assertAllowNonFinite(options);
  await assertAttackImages(images, model);
  const batch = images.shape[0];
  const trueLabels = checkClassList(labels, batch, model.numClasses, 'labels');
  const { targets } = await resolveAttackTargets(model, images, {
    labels: trueLabels,
    target: options.target ?? 'untargeted',
    seed: options.seed ?? 0,
    ...(options.allowNonFinite === undefined ? {} : { allowNonFinite: options.allowNonFinite }),
  });
  const cleanPredicted = tf.tidy(() => {
    const logits = model.logits(images);
    return tf.concat([tf.cast(tf.argMax(logits, 1), 'float32'), nonFiniteRows(logits)]);
  });
  const cleanRead = Array.from(await cleanPredicted.data());
  cleanPredicted.dispose();
  assertFiniteRows(cleanRead.slice(batch), options);
  const clean = cleanRead.slice(0, batch);
  const correct = clean.map((value, i) => value === trueLabels[i]);

  const results: EpsilonResult[] = [];
  for (const [index, epsilon] of epsilons.entries()) {
    throwIfAborted(signal);
    const adversarial = await attack(model, images, {
      epsilon,
      labels: trueLabels,
      ...(targets ? { target: targets } : {}),
      ...(signal ? { signal } : {}),
    });
    // The attack's output is ours to free, unless it handed back the caller's images themselves.
    const owned = adversarial !== images;
    let values: number[];
    try {
      assertAttackOutput(adversarial, images);
      const packed = tf.tidy(() => {
        const delta = tf.reshape(tf.sub(adversarial, images), [batch, -1]);
        const logits = model.logits(adversarial);
        return tf.concat([
          tf.cast(tf.argMax(logits, 1), 'float32'),
          tf.sum(tf.cast(tf.notEqual(delta, 0), 'float32'), 1),
          tf.sqrt(tf.sum(tf.square(delta), 1)),
          tf.max(tf.abs(delta), 1),
          nonFiniteRows(logits),
          tf.stack([
            tf.min(adversarial),
            tf.max(adversarial),
            tf.cast(tf.any(tf.isNaN(adversarial)), 'float32'),
          ]),
        ]);
      });
      values = Array.from(await packed.data());
      packed.dispose();
    } finally {
      if (owned && adversarial instanceof tf.Tensor) adversarial.dispose();
    }
    const [low, high, hasNaN] = values.slice(5 * batch) as [number, number, number];
    if (hasNaN || low < 0 || high > 1) {
      throw new InvalidArgumentError(
        'attack',
        'a function resolving to images in [0, 1]',
        `an output at ε = ${epsilon} with values in [${hasNaN ? 'NaN' : `${low}, ${high}`}]`,
      );
    }
    assertFiniteRows(values.slice(4 * batch, 5 * batch), options);
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
    await onStep?.({ step: index + 1, numSteps: epsilons.length, result: results.at(-1) as EpsilonResult });
    await yieldToEventLoop();
  }
  throwIfAborted(signal);
  return { cleanAccuracy: correct.filter(Boolean).length / batch, results };
}
