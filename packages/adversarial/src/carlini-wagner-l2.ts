import { explainGradientError, gradientScope, type ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { type AttackStep, runSteps, type StepOptions } from './internal/steps';
import { type AttackTargetOptions, resolveAttackTargets } from './internal/targets';
import { assertAttackImages, assertNonNegative, assertSignal, assertStepCount } from './internal/validate';

/** Options for {@link carliniWagnerL2}. */
export interface CarliniWagnerL2Options extends AttackTargetOptions, StepOptions<AttackStep> {
  /** Margin κ by which the adversarial class must win, in logits. Default `0` (the paper). */
  confidence?: number;
  /**
   * The first trade-off constant c between distance and misclassification, for every image. Default
   * `1`: the search multiplies c by 10 after each round without success, so starting at the paper's
   * `1e-3` spends three of the five rounds growing it (on the MNIST sample digits it still fools all
   * ten, at a mean L2 distance of 1.50 instead of 1.43).
   */
  initialConst?: number;
  /**
   * Rounds of the per-image search over c: bisection after a success, ×10 while none was found.
   * An integer in `[1, 100000]`. Default `5`.
   */
  binarySearchSteps?: number;
  /** Adam steps per round, an integer in `[1, 100000]`. Default `100`. */
  numSteps?: number;
  /**
   * Adam's learning rate in tanh space. Default `0.05`: with the paper's `0.01`, 5 rounds of 100 steps
   * fool only 5 of the 10 MNIST sample digits (the paper runs up to 10,000 steps), because pixels at
   * 0 or 1 (most of an MNIST digit) sit where `tanh` is flat.
   */
  learningRate?: number;
}

// Keeps atanh finite on pixels at exactly 0 or 1 (Carlini and Wagner's 1.999999 scale).
const TANH_SCALE = 1 - 1e-6;

/**
 * The Carlini–Wagner L2 attack: for each image, minimises `‖x' − x‖₂² + c·max(z_other − z_goal, −κ)`
 * over `x' = (tanh(w) + 1)/2` (always a valid image) with Adam, searching c per image (bisection
 * once an adversarial example is found, ×10 while none is). Returns, per image, the closest
 * adversarial example found in any round, or the clean image where none was. Untargeted, `z_goal`
 * is "any class but the label": the loss is `max(z_label − max_{i≠label} z_i, −κ)`.
 *
 * ```ts
 * const adversarial = await carliniWagnerL2(classifier, images, { target: 'leastLikely' });
 * ```
 * Sources: Carlini and Wagner 2017, "Towards Evaluating the Robustness of Neural Networks".
 * @param model - the classifier to attack.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - κ, c, search rounds, steps, learning rate, labels, target, `onStep`, `signal`.
 * @returns the adversarial images in `[0, 1]` (clean where the attack failed); the caller disposes them.
 * @throws InvalidArgumentError for invalid images or options; NetlensError `'ABORTED'` when aborted.
 */
export async function carliniWagnerL2(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: CarliniWagnerL2Options = {},
): Promise<tf.Tensor4D> {
  const {
    confidence = 0,
    initialConst = 1,
    binarySearchSteps = 5,
    numSteps = 100,
    learningRate = 0.05,
  } = options;
  assertNonNegative(confidence, 'options.confidence');
  assertNonNegative(initialConst, 'options.initialConst', true);
  assertStepCount(binarySearchSteps, 'options.binarySearchSteps', 1);
  assertStepCount(numSteps, 'options.numSteps', 1);
  assertNonNegative(learningRate, 'options.learningRate', true);
  assertSignal(options.signal);
  await assertAttackImages(images, model);
  const { labels, targets } = await resolveAttackTargets(model, images, options);
  const batch = images.shape[0];
  const goal = tf.tidy(() => tf.oneHot(tf.tensor1d(targets ?? labels, 'int32'), model.numClasses));
  const w0 = tf.tidy(() => tf.atanh(tf.mul(tf.sub(tf.mul(images, 2), 1), TANH_SCALE)));
  const toImages = (w: tf.Tensor) => tf.div(tf.add(tf.tanh(w), 1), 2) as tf.Tensor4D;
  const consts = new Array<number>(batch).fill(initialConst);
  const lower = new Array<number>(batch).fill(0);
  const upper = new Array<number>(batch).fill(Number.POSITIVE_INFINITY);
  let best = { adversarial: tf.clone(images), distance: tf.fill([batch], Number.POSITIVE_INFINITY) };
  const [beta1, beta2] = [0.9, 0.999];
  let c: tf.Tensor1D | undefined;
  try {
    for (let round = 0; round < binarySearchSteps; round++) {
      c = tf.tensor1d(consts);
      const constants = c;
      const final = await runSteps(
        {
          images: tf.clone(images),
          w: tf.clone(w0),
          m: tf.zerosLike(w0),
          v: tf.zerosLike(w0),
          adversarial: tf.clone(best.adversarial),
          distance: tf.clone(best.distance),
          found: tf.zeros([batch]),
        },
        numSteps,
        ({ w, m, v, adversarial, distance, found }, index) => {
          let margin: tf.Tensor1D | undefined;
          let squared: tf.Tensor1D | undefined;
          let gradient: tf.Tensor;
          try {
            gradient = gradientScope(() =>
              tf.grad((variable: tf.Tensor) => {
                const x = toImages(variable);
                const logits = model.logits(x);
                const goalScore = tf.sum(tf.mul(logits, goal), 1);
                const otherScore = tf.max(tf.sub(tf.mul(logits, tf.sub(1, goal)), tf.mul(goal, 1e4)), 1);
                const inner = targets ? tf.sub(otherScore, goalScore) : tf.sub(goalScore, otherScore);
                const l2 = tf.sum(tf.square(tf.sub(x, images)), [1, 2, 3]);
                margin = tf.keep(inner) as tf.Tensor1D;
                squared = tf.keep(l2) as tf.Tensor1D;
                return tf.sum(tf.add(l2, tf.mul(constants, tf.maximum(inner, -confidence))));
              })(w),
            );
          } catch (error) {
            tf.dispose(
              [margin as tf.Tensor1D | undefined, squared as tf.Tensor1D | undefined].filter(
                (t) => t !== undefined,
              ),
            );
            throw error;
          }
          // The margin is that of the point before this step's update (as in the reference code).
          const success = tf.logicalAnd(
            tf.less(margin as tf.Tensor1D, 0),
            tf.lessEqual(margin as tf.Tensor1D, -confidence),
          );
          const improved = tf.logicalAnd(success, tf.less(squared as tf.Tensor1D, distance));
          const nextAdversarial = tf.where(
            tf.reshape(improved, [batch, 1, 1, 1]),
            toImages(w),
            adversarial,
          ) as tf.Tensor4D;
          const nextDistance = tf.where(improved, squared as tf.Tensor1D, distance);
          const nextFound = tf.maximum(found, tf.cast(success, 'float32'));
          tf.dispose([margin as tf.Tensor1D, squared as tf.Tensor1D]);
          const t = index + 1;
          const nextM = tf.add(tf.mul(beta1, m), tf.mul(1 - beta1, gradient));
          const nextV = tf.add(tf.mul(beta2, v), tf.mul(1 - beta2, tf.square(gradient)));
          const stepScale = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
          const nextW = tf.sub(w, tf.div(tf.mul(stepScale, nextM), tf.add(tf.sqrt(nextV), 1e-8)));
          return {
            images: toImages(nextW),
            w: nextW,
            m: nextM,
            v: nextV,
            adversarial: nextAdversarial,
            distance: nextDistance,
            found: nextFound,
          };
        },
        options,
      );
      c.dispose();
      c = undefined;
      const found = Array.from(await final.found.data());
      tf.dispose([best.adversarial, best.distance, final.images, final.w, final.m, final.v, final.found]);
      best = { adversarial: final.adversarial, distance: final.distance };
      for (let i = 0; i < batch; i++) {
        const value = consts[i] as number;
        if (found[i]) upper[i] = Math.min(upper[i] as number, value);
        else lower[i] = Math.max(lower[i] as number, value);
        consts[i] = Number.isFinite(upper[i])
          ? ((lower[i] as number) + (upper[i] as number)) / 2
          : value * 10;
      }
    }
  } catch (error) {
    tf.dispose([best.adversarial, best.distance, goal, w0, ...(c ? [c] : [])]);
    throw explainGradientError(error);
  }
  tf.dispose([best.distance, goal, w0]);
  return best.adversarial;
}
