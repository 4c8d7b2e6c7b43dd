import {
  explainGradientError,
  gradientScope,
  type ImageClassifier,
  InvalidArgumentError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertAllowNonFinite, assertFiniteRows, type FiniteOptions, nonFiniteRows } from './internal/finite';
import { clipToPixels, l2Norms } from './internal/projection';
import { type AttackStep, type StepOptions, throwIfAborted, yieldToEventLoop } from './internal/steps';
import { resolveAttackTargets } from './internal/targets';
import {
  assertAttackImages,
  assertInteger,
  assertNonNegative,
  assertSignal,
  assertStepCount,
  checkClassList,
} from './internal/validate';

/** Options for {@link deepFool}. */
export interface DeepFoolOptions extends StepOptions<AttackStep>, FiniteOptions {
  /** The true class of each image. Default: the clean prediction. */
  labels?: readonly number[];
  /** Iterations at most, an integer in `[0, 100000]`. Default `50` (Foolbox, torchattacks). */
  maxIterations?: number;
  /**
   * How many other classes are candidates for the nearest boundary: the ones with the highest clean
   * logits; an integer ≥ 1, at most `numClasses − 1` are used. Default `9` (Foolbox's 10 candidates
   * counting the label); one backward pass each per iteration.
   */
  numCandidates?: number;
  /** The total perturbation is scaled by `1 + overshoot` to cross the boundary. Default `0.02` (the paper). */
  overshoot?: number;
}

/**
 * DeepFool (L2, untargeted): linearises the classifier around the current point and takes the
 * smallest step to the nearest linearised decision boundary among the candidate classes,
 * `r = (|f_k|/‖w_k‖₂ + 10⁻⁴) · w_k/‖w_k‖₂` with `f_k = z_k − z_label`, `w_k = ∇f_k`, until the
 * prediction changes. The image is `clip(x + (1 + overshoot)·Σr, 0, 1)`; images stop changing once
 * fooled. On a linear classifier the first step lands on the boundary. A minimal-perturbation attack:
 * it has no ε.
 *
 * ```ts
 * const adversarial = await deepFool(classifier, images, { maxIterations: 50, overshoot: 0.02 });
 * ```
 * Sources: Moosavi-Dezfooli, Fawzi and Frossard 2016, "DeepFool: a simple and accurate method to fool
 * deep neural networks".
 * @param model - the classifier to attack.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - labels, iterations, candidates, overshoot, `onStep`, `signal`.
 * @returns the adversarial images in `[0, 1]`; the caller disposes them.
 * @throws InvalidArgumentError for invalid images or options; NetlensError `'ABORTED'` when aborted.
 */
export async function deepFool(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: DeepFoolOptions = {},
): Promise<tf.Tensor4D> {
  const { maxIterations = 50, overshoot = 0.02, onStep, signal } = options;
  const requested = options.numCandidates ?? 9;
  assertStepCount(maxIterations, 'options.maxIterations', 0);
  assertInteger(requested, 'options.numCandidates', 1);
  assertNonNegative(overshoot, 'options.overshoot');
  assertSignal(signal);
  await assertAttackImages(images, model);
  if (model.numClasses < 2) {
    throw new InvalidArgumentError('model', 'a classifier with at least two classes', '1 class');
  }
  const numCandidates = Math.min(requested, model.numClasses - 1);
  assertAllowNonFinite(options);
  const { labels } = await resolveAttackTargets(model, images, {
    ...(options.allowNonFinite === undefined ? {} : { allowNonFinite: options.allowNonFinite }),
    ...(options.labels === undefined
      ? {}
      : { labels: checkClassList(options.labels, images.shape[0], model.numClasses, 'options.labels') }),
  });
  const batch = images.shape[0];
  const labelTensor = tf.tensor1d(labels, 'int32');
  // Candidate classes: the highest clean logits other than the label, [N, numCandidates].
  const candidates = disposeOnThrow(labelTensor, () =>
    tf.tidy(() => {
      const logits = model.logits(images);
      const masked = tf.where(
        tf.cast(tf.oneHot(labelTensor, model.numClasses), 'bool'),
        tf.fill(logits.shape, Number.NEGATIVE_INFINITY),
        logits,
      );
      return tf.topk(masked, numCandidates).indices;
    }),
  );
  const candidateColumns = tf.tidy(() =>
    tf.unstack(candidates, 1).map((column) => tf.oneHot(column, model.numClasses)),
  );
  const labelMask = tf.oneHot(labelTensor, model.numClasses);
  let total = tf.zerosLike(images);
  let current = tf.clone(images);
  const cleanup = () => tf.dispose([labelTensor, candidates, labelMask, ...candidateColumns]);
  try {
    for (let step = 0; step <= maxIterations; step++) {
      throwIfAborted(signal);
      const stillCorrect = tf.tidy(() => {
        const logits = model.logits(current);
        return tf.concat([
          tf.cast(tf.equal(tf.argMax(logits, 1), labelTensor), 'float32'),
          nonFiniteRows(logits),
        ]);
      });
      const read = Array.from(await stillCorrect.data());
      stillCorrect.dispose();
      assertFiniteRows(read.slice(batch), options);
      const active = read.slice(0, batch);
      if (step === maxIterations || active.every((value) => value === 0)) break;
      const previousTotal = total;
      const previous = current;
      [total, current] = gradientScope(() =>
        tf.tidy(() => {
          const logits = model.logits(previous);
          const differences: tf.Tensor1D[] = [];
          const gradients: tf.Tensor4D[] = [];
          for (const column of candidateColumns) {
            const direction = tf.sub(column, labelMask);
            differences.push(tf.sum(tf.mul(logits, direction), 1) as tf.Tensor1D);
            gradients.push(
              tf.grad((x: tf.Tensor) => tf.sum(tf.mul(model.logits(x as tf.Tensor4D), direction)))(
                previous,
              ) as tf.Tensor4D,
            );
          }
          const f = tf.stack(differences, 1); // [N, K]
          const w = tf.stack(gradients, 1); // [N, K, H, W, C]
          const wNorms = tf.stack(
            gradients.map((g) => tf.reshape(l2Norms(g), [batch])),
            1,
          ); // [N, K]
          const safeNorms = tf.maximum(wNorms, 1e-12);
          const distance = tf.div(tf.abs(f), safeNorms);
          // tf.oneHot needs a depth of 2 or more; with one candidate it is the nearest.
          const nearest =
            numCandidates === 1 ? tf.onesLike(distance) : tf.oneHot(tf.argMin(distance, 1), numCandidates); // [N, K]
          const pick = (t: tf.Tensor) => tf.sum(tf.mul(t, nearest), 1); // [N]
          const coefficient = tf.div(tf.add(pick(distance), 1e-4), pick(safeNorms)); // (|f|+1e-4)/‖w‖²·‖w‖
          const direction = tf.sum(tf.mul(w, tf.reshape(nearest, [batch, numCandidates, 1, 1, 1])), 1);
          const scale = tf.reshape(tf.mul(tf.tensor1d(active), coefficient), [batch, 1, 1, 1]);
          const nextTotal = tf.add(previousTotal, tf.mul(direction, scale)) as tf.Tensor4D;
          return [nextTotal, clipToPixels(tf.add(images, tf.mul(1 + overshoot, nextTotal)))];
        }),
      );
      tf.dispose([previousTotal, previous]);
      await onStep?.({ step: step + 1, numSteps: maxIterations, images: current });
      await yieldToEventLoop();
    }
  } catch (error) {
    tf.dispose([total, current]);
    cleanup();
    throw explainGradientError(error);
  }
  total.dispose();
  cleanup();
  return current;
}

/** Runs `run`; when it throws, disposes `owned` first. */
function disposeOnThrow<T>(owned: tf.Tensor, run: () => T): T {
  try {
    return run();
  } catch (error) {
    owned.dispose();
    throw error;
  }
}
