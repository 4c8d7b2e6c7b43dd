import {
  assertValidImages,
  explainGradientError,
  gradientScope,
  type ImageClassifier,
  InvalidArgumentError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { gaussianBlur } from './internal/gaussian-blur';
import { resolveClasses, resolveImageShape } from './internal/model-input';
import { type ProgressOptions, runOptimization } from './internal/optimization-loop';
import { normalizedStep } from './internal/optimizers';
import { randomSource } from './internal/random';
import { roll } from './internal/roll';
import {
  assertFinite,
  assertInteger,
  assertNonNegative,
  assertOptionalBoolean,
  assertOptionalFunction,
  assertOptionalSignal,
  assertStepCount,
} from './internal/validate-options';

/** CS231n's image: 224² × 3 values, normalised by ImageNet standard deviations (mean ≈ 0.226). */
const CS231N_VALUES = 224 * 224 * 3;
const IMAGENET_MEAN_STD = 0.226;

/**
 * Options for {@link createClassVisualization}. Every default is CS231n's (assignment 3, "Network
 * Visualization", `create_class_visualization`), converted from its ImageNet-normalised space to
 * the `[0, 1]` pixels netlens models take; see each field for the conversion.
 */
export interface ClassVisualizationOptions extends ProgressOptions {
  /** Gradient-ascent steps, an integer in `[1, 100000]`. Default 100 (CS231n `num_iterations`). */
  numIterations?: number;
  /**
   * Length (L2 norm over one image) of each step, `x ← x + learningRate · g / ‖g‖`. CS231n takes
   * steps of 25 in ImageNet-normalised units on a 224²×3 image; in pixels that is 25 × 0.226 (the
   * mean ImageNet std) ≈ 5.65, and the default keeps the same per-pixel step at any size:
   * `5.65 · sqrt(H·W·C / (224·224·3))` (5.65 at 224²×3, 0.41 for 28²×1 MNIST digits).
   */
  learningRate?: number;
  /**
   * Weight of the penalty `l2Reg · ‖x − l2Center‖²` subtracted from the class score. Default
   * 1e-3 (CS231n `l2_reg`), exact for models without preprocessing. For an ImageNet-normalised model,
   * CS231n's penalty in pixel units is `1e-3 / std² ≈ 0.02` with `l2Center` the ImageNet mean.
   */
  l2Reg?: number;
  /** The pixel value (or one per channel) the L2 penalty pulls towards. Default 0. */
  l2Center?: number | readonly number[];
  /** Blur the image every this many steps, from step 0. Default 10 (CS231n `blur_every`). */
  blurEvery?: number;
  /** Standard deviation of that Gaussian blur, in pixels (scipy `reflect` edges). Default 0.5. */
  blurSigma?: number;
  /**
   * Largest roll, in pixels, along each axis before a step (undone after it). CS231n's 16 is for
   * 224² images; the default scales it with the width, `max(1, round(16 · W / 224))` (2 for 28²).
   */
  maxJitter?: number;
  /** Seed of the initial noise and of the jitter offsets. Default 0. */
  seed?: number;
  /**
   * The start image `[N, H, W, C]` in `[0, 1]`, one per class; the function does not dispose it.
   * Default: seeded uniform noise in `[0, 1)` (CS231n starts from `randn` in normalised space,
   * about 0.45 ± 0.23 in pixels).
   */
  initialImage?: tf.Tensor4D;
  /** `[height, width]` for models that accept any size. Default the model's size, else 224². */
  imageSize?: readonly [number, number];
}

/** What {@link createClassVisualization} returns. */
export interface ClassVisualizationResult {
  /** The visualizations `[N, H, W, C]` in `[0, 1]`, one per class; the caller disposes it. */
  image: tf.Tensor4D;
  /** `objectives[step][i]`: `s_y − l2Reg·‖x − l2Center‖²` of image `i` during each step. */
  objectives: number[][];
}

/** The default step length in pixel units (see {@link ClassVisualizationOptions.learningRate}). */
function defaultLearningRate(height: number, width: number, channels: number): number {
  return 25 * IMAGENET_MEAN_STD * Math.sqrt((height * width * channels) / CS231N_VALUES);
}

/**
 * Synthesises an image that the model scores highly as `targetClass`: CS231n's class
 * visualization (Simonyan et al.'s class model with Yosinski et al.'s regularisers). From noise,
 * each step rolls the image by a random offset up to `maxJitter`, takes a normalised gradient-ascent
 * step on the raw class score minus `l2Reg·‖x‖²`, rolls back, clamps to `[0, 1]`, and every
 * `blurEvery` steps blurs it. Asynchronous; yields to the event loop every step, reports progress
 * through `onStep` and stops on `signal`. Several classes run as one batch.
 *
 * ```ts
 * const { image } = await createClassVisualization(classifier, 3, {
 *   onStep: ({ step, objective }) => console.log(step, objective),
 * });
 * const digits = await createClassVisualization(mnist, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], { seed: 1 });
 * ```
 * Sources: Simonyan, Vedaldi and Zisserman 2014, "Deep Inside Convolutional Networks"; Yosinski et
 * al. 2015, "Understanding Neural Networks Through Deep Visualization"; CS231n assignment 3.
 * @param model - the classifier.
 * @param targetClass - the class, or one class per image of the batch.
 * @param options - CS231n's hyperparameters, progress and cancellation.
 * @returns the images and the objective history.
 * @throws InvalidArgumentError for a bad class, option or start image (before any tensor is made).
 * @throws NetlensError with code `'ABORTED'` when `signal` aborts.
 */
export async function createClassVisualization(
  model: ImageClassifier,
  targetClass: number | readonly number[],
  options: ClassVisualizationOptions = {},
): Promise<ClassVisualizationResult> {
  const classes = resolveClasses(model, targetClass);
  const [height, width, channels] = resolveImageShape(model, options.imageSize);
  const numIterations = assertStepCount(options.numIterations ?? 100, 'options.numIterations', 1);
  const learningRate = assertNonNegative(
    options.learningRate ?? defaultLearningRate(height, width, channels),
    'options.learningRate',
    true,
  );
  const l2Reg = assertNonNegative(options.l2Reg ?? 1e-3, 'options.l2Reg');
  const blurEvery = assertInteger(options.blurEvery ?? 10, 'options.blurEvery', 1);
  const blurSigma = assertNonNegative(options.blurSigma ?? 0.5, 'options.blurSigma');
  const maxJitter = assertInteger(
    options.maxJitter ?? Math.max(1, Math.round((16 * width) / 224)),
    'options.maxJitter',
    0,
  );
  const seed = assertInteger(options.seed ?? 0, 'options.seed', 0);
  assertInteger(options.snapshotEvery ?? 10, 'options.snapshotEvery', 1);
  assertOptionalBoolean(options.allowNonFinite, 'options.allowNonFinite');
  assertOptionalFunction(options.onStep, 'options.onStep');
  assertOptionalSignal(options.signal, 'options.signal');
  const center = options.l2Center ?? 0;
  const centers = typeof center === 'number' ? [center] : Array.isArray(center) ? center : [];
  if (centers.length !== 1 && centers.length !== channels) {
    throw new InvalidArgumentError(
      'options.l2Center',
      `a number or ${channels} numbers`,
      JSON.stringify(center),
    );
  }
  for (const [index, value] of centers.entries()) assertFinite(value, `options.l2Center[${index}]`);
  const batch = classes.length;
  if (options.initialImage !== undefined) {
    await assertValidImages(options.initialImage, [height, width, channels], 'options.initialImage');
    if (options.initialImage.shape[0] !== batch) {
      throw new InvalidArgumentError(
        'options.initialImage',
        `one image per class (${batch})`,
        `${options.initialImage.shape[0]} images`,
      );
    }
  }

  const random = randomSource(seed);
  const size = batch * height * width * channels;
  let image: tf.Tensor4D =
    options.initialImage?.clone() ??
    tf.tensor4d(
      Float32Array.from({ length: size }, () => random.uniform()),
      [batch, height, width, channels],
    );
  const mask = tf.tidy(() => tf.oneHot(tf.tensor1d(classes, 'int32'), model.numClasses));
  const centerTensor = tf.tensor1d(centers as number[]);
  const objective = (x: tf.Tensor4D): tf.Tensor1D =>
    tf.tidy(() => {
      const score = tf.sum(tf.mul(model.logits(x), mask), 1);
      if (l2Reg === 0) return score as tf.Tensor1D;
      return tf.sub(
        score,
        tf.mul(l2Reg, tf.sum(tf.square(tf.sub(x, centerTensor)), [1, 2, 3])),
      ) as tf.Tensor1D;
    });

  try {
    const history = await runOptimization(
      'createClassVisualization',
      numIterations,
      {
        step(step) {
          // CS231n: ox, oy = random.randint(0, max_jitter) — both ends included.
          const dx = random.integer(0, maxJitter);
          const dy = random.integer(0, maxJitter);
          let perImage: tf.Tensor1D | undefined;
          let next: tf.Tensor4D;
          try {
            next = gradientScope(() =>
              tf.tidy(() => {
                const jittered = roll(image, dy, dx);
                const gradient = tf.grad((x: tf.Tensor) => {
                  const value = objective(x as tf.Tensor4D);
                  perImage = tf.keep(value.clone());
                  return tf.sum(value);
                })(jittered);
                // An all-zero gradient (a dead model region) leaves the image where it is.
                const stepped = roll(
                  tf.add(jittered, normalizedStep(gradient, learningRate)) as tf.Tensor4D,
                  -dy,
                  -dx,
                );
                const clamped = tf.clipByValue(stepped, 0, 1) as tf.Tensor4D;
                return step % blurEvery === 0 ? gaussianBlur(clamped, blurSigma) : clamped;
              }),
            );
          } catch (error) {
            (perImage as tf.Tensor1D | undefined)?.dispose();
            throw error;
          }
          const values = perImage as unknown as tf.Tensor1D;
          image.dispose();
          image = next;
          return values;
        },
        snapshot: () => image.clone(),
      },
      options,
    );
    return { image, objectives: history };
  } catch (error) {
    image.dispose();
    throw explainGradientError(error);
  } finally {
    tf.dispose([mask, centerTensor]);
  }
}
