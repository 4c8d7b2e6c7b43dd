import { explainGradientError, gradientScope, type ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertAllowNonFinite, assertFiniteRows, type FiniteOptions, nonFiniteRows } from './internal/finite';
import { clipToPixels, normalizeL2 } from './internal/projection';
import { type AttackStep, type StepOptions, throwIfAborted, yieldToEventLoop } from './internal/steps';
import { type AttackTarget, resolveAttackTargets } from './internal/targets';
import {
  assertAttackImages,
  assertNonNegative,
  assertSignal,
  assertStepCount,
  checkClassList,
} from './internal/validate';

/** What `onStep` of {@link makeFoolingImage} receives after each iteration. */
export interface FoolingStep extends AttackStep {
  /** Each image's predicted class before this iteration's update. */
  predictions: readonly number[];
  /** How many images already reach their target (and are no longer updated). */
  fooled: number;
}

/** Options for {@link makeFoolingImage}. */
export interface FoolingImageOptions extends StepOptions<FoolingStep>, FiniteOptions {
  /**
   * The class each image must be classified as: one class for all, one per image, `'leastLikely'`
   * or `'randomOther'` (relative to `labels`, seeded by `seed`). Required.
   */
  target: Exclude<AttackTarget, 'untargeted'>;
  /** True classes, used by `'randomOther'`. Default: the clean prediction. */
  labels?: readonly number[];
  /** Seed of `'randomOther'`. Default `0`. */
  seed?: number;
  /** L2 length of each step in pixel units, `dX = learningRate · g / ‖g‖₂`. Default `1` (CS231n). */
  learningRate?: number;
  /** Iterations at most, an integer in `[0, 100000]`. Default `100` (CS231n). */
  maxIterations?: number;
}

/** What {@link makeFoolingImage} returns, per image. */
export interface FoolingImageResult {
  /** `[N, H, W, C]` in `[0, 1]`: each image at the first iteration it reached its target (or the last). */
  images: tf.Tensor4D;
  /** Gradient steps each image took (0 when it already was the target). */
  iterations: number[];
  /** Whether each image is classified as its target. */
  success: boolean[];
  /** The target class of each image. */
  targets: number[];
}

/**
 * CS231n's fooling image: gradient ascent on the target class's raw score with the L2-normalised step
 * `dX = learningRate · g / ‖g‖₂` (per image), clipped to `[0, 1]` after every step, until the model
 * predicts the target or `maxIterations` is reached. Images stop changing once they reach their
 * target, so each returns after its own number of iterations. One forward and backward pass for the
 * batch per iteration, in one `tf.tidy`, and one small read-back of the predictions.
 *
 * ```ts
 * const { images: fooled, iterations, success } = await makeFoolingImage(classifier, digits, {
 *   target: 'randomOther',
 *   onStep: ({ step, fooled }) => console.log(step, fooled),
 * });
 * ```
 * Sources: CS231n assignment 3, "Network Visualization" (fooling images); Szegedy et al. 2014,
 * "Intriguing Properties of Neural Networks".
 * @param model - the classifier to fool.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - target (required), learning rate, iterations, `onStep`, `signal`.
 * @returns the fooling images with per-image iterations and success; the caller disposes `images`.
 * @throws InvalidArgumentError for invalid images or options; NetlensError `'ABORTED'` when aborted.
 */
export async function makeFoolingImage(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: FoolingImageOptions,
): Promise<FoolingImageResult> {
  const { learningRate = 1, maxIterations = 100, onStep, signal } = options ?? {};
  assertNonNegative(learningRate, 'options.learningRate', true);
  assertStepCount(maxIterations, 'options.maxIterations', 0);
  assertSignal(signal);
  assertAllowNonFinite(options);
  await assertAttackImages(images, model);
  const batch = images.shape[0];
  const { target } = options ?? {};
  // Explicit classes need no clean forward pass (labels only matter to 'randomOther').
  const chosen =
    typeof target === 'number' || Array.isArray(target)
      ? checkClassList(
          typeof target === 'number' ? new Array<number>(batch).fill(target) : target,
          batch,
          model.numClasses,
          'options.target',
        )
      : ((await resolveAttackTargets(model, images, options ?? {}, false)).targets as number[]);
  const targetMask = tf.tidy(() => tf.oneHot(tf.tensor1d(chosen, 'int32'), model.numClasses));
  const targetTensor = tf.tensor1d(chosen, 'int32');
  const iterations = new Array<number>(batch).fill(maxIterations);
  const success = new Array<boolean>(batch).fill(false);
  let current = tf.clone(images);
  try {
    for (let step = 0; ; step++) {
      throwIfAborted(signal);
      const last = step === maxIterations;
      const previous = current;
      // The gradient's forward pass runs in the engine's own scope; keep its logits for the predictions.
      let logits: tf.Tensor2D | undefined;
      let next: tf.Tensor4D;
      let predicted: tf.Tensor;
      try {
        // One tidy per iteration: predictions and update from one forward and backward pass. Images
        // classified as their target now, or earlier, are left unchanged.
        [next, predicted] = gradientScope(() =>
          tf.tidy(() => {
            if (last) {
              const scores = model.logits(previous);
              return [
                tf.clone(previous),
                tf.concat([tf.cast(tf.argMax(scores, 1), 'float32'), nonFiniteRows(scores)]),
              ];
            }
            const gradient = tf.grad((x: tf.Tensor) => {
              const scores = model.logits(x as tf.Tensor4D);
              logits = tf.keep(scores);
              return tf.sum(tf.mul(scores, targetMask));
            })(previous) as tf.Tensor4D;
            const predictedNow = tf.argMax(logits as tf.Tensor2D, 1) as tf.Tensor1D;
            const waiting = tf.tensor1d(success.map((done) => (done ? 0 : 1)));
            const active = tf.mul(waiting, tf.cast(tf.notEqual(predictedNow, targetTensor), 'float32'));
            const update = tf.mul(
              tf.reshape(active, [batch, 1, 1, 1]),
              tf.mul(learningRate, normalizeL2(gradient)),
            );
            return [
              clipToPixels(tf.add(previous, update) as tf.Tensor4D),
              tf.concat([tf.cast(predictedNow, 'float32'), nonFiniteRows(logits as tf.Tensor2D)]),
            ];
          }),
        );
      } finally {
        (logits as tf.Tensor2D | undefined)?.dispose();
      }
      current = next;
      previous.dispose();
      const read = Array.from(await predicted.data());
      predicted.dispose();
      assertFiniteRows(read.slice(batch), options);
      const predictions = read.slice(0, batch);
      let fooled = 0;
      for (let i = 0; i < batch; i++) {
        if (!success[i] && predictions[i] === chosen[i]) {
          success[i] = true;
          iterations[i] = step;
        }
        if (success[i]) fooled++;
      }
      if (last || fooled === batch) break;
      await onStep?.({ step: step + 1, numSteps: maxIterations, images: current, predictions, fooled });
      await yieldToEventLoop();
    }
  } catch (error) {
    current.dispose();
    tf.dispose([targetMask, targetTensor]);
    throw explainGradientError(error);
  }
  tf.dispose(targetTensor);
  targetMask.dispose();
  return { images: current, iterations, success, targets: chosen };
}
