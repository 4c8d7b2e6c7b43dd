import {
  explainGradientError,
  gradientScope,
  type ImageClassifier,
  InvalidArgumentError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { resolveImageShape } from './internal/model-input';
import { assertModelProvides, modelOutputs } from './internal/model-outputs';
import { type ProgressOptions, runOptimization } from './internal/optimization-loop';
import { createOptimizer, type OptimizerOptions } from './internal/optimizers';
import { createParameterization } from './internal/parameterization';
import { randomSource } from './internal/random';
import { resample, samplingPlan } from './internal/resample';
import {
  assertInteger,
  assertNonNegative,
  assertOptionalBoolean,
  assertOptionalFunction,
  assertOptionalSignal,
  assertStepCount,
} from './internal/validate-options';
import type { Objective } from './objectives';
import { assertRegularizers, type Regularizer } from './regularizers';
import { assertTransforms, standardTransforms, type Transform } from './transforms';

/**
 * Options for {@link visualizeFeature}. Defaults are Lucid's `render_vis` with `param.image(fft=True,
 * decorrelate=True)` and `standard_transforms`, Adam 0.05, scaled to the image where noted.
 */
export interface FeatureVisualizationOptions extends ProgressOptions {
  /** Optimisation steps, an integer in `[1, 100000]`. Default 512 (Lucid's `thresholds=(512,)`). */
  numSteps?: number;
  /**
   * `'fourier'` (default): a spectrum scaled by `1/f^decayPower`, which favours low frequencies
   * and is what makes Lucid's pictures clean; `'pixel'`: one variable per pixel. Either way the
   * image is `sigmoid(·)` of the (optionally colour-decorrelated) result, so it stays in `(0, 1)`.
   */
  parameterization?: 'fourier' | 'pixel';
  /** Fourier scale exponent (Lucid `decay_power`). Default 1. */
  decayPower?: number;
  /** Mix RGB through Lucid's ImageNet colour-correlation matrix. Default `true` (ignored unless 3 channels). */
  decorrelate?: boolean;
  /**
   * Standard deviation of the initial variables (Lucid `sd`). Default 0.01, a nearly flat grey
   * start; a post-ReLU channel that is zero everywhere on it gets no gradient, so on small models
   * start from more noise (`0.5` wakes 31 of the MNIST classifier's 32 `conv2` channels).
   */
  standardDeviation?: number;
  /** Random transforms before each forward pass. Default `standardTransforms(width)`; `[]` for none. */
  transforms?: readonly Transform[];
  /** Penalties subtracted from the objective. Default none (Lucid's default). */
  regularizers?: readonly Regularizer[];
  /** Default `'adam'` with learning rate 0.05 (Lucid). */
  optimizer?: OptimizerOptions;
  /** Images per objective: copies with different noise (and a `diversity` term, if any). Default 1. */
  batchSize?: number;
  /** Seed of the initial variables and the transforms. Default 0. */
  seed?: number;
  /** `[height, width]` for models that accept any size. Default the model's size, else 224². */
  imageSize?: readonly [number, number];
}

/** What {@link visualizeFeature} returns. */
export interface FeatureVisualizationResult {
  /**
   * `[objectives.length · batchSize, H, W, C]` images in `(0, 1)`, objective-major (the copies of
   * objective 0 first). The caller disposes them.
   */
  images: tf.Tensor4D;
  /** `objectives[step][i]`: the objective minus the weighted penalties of image `i` at each step. */
  objectives: number[][];
}

/**
 * Feature visualization by optimisation: finds images that maximise an objective (a class logit,
 * a channel, a neuron, a direction, sums and differences of them, with a diversity term), through
 * a Fourier or pixel parameterisation with decorrelated colour, random differentiable transforms
 * (pad, jitter, scale, rotate), penalties (L1, L2, total variation, blur) and Adam or CS231n's
 * normalised SGD. An array of objectives is optimised as one batch, one image each.
 *
 * ```ts
 * const { images } = await visualizeFeature(classifier, channel('conv2', 7), { numSteps: 256 });
 * const many = await visualizeFeature(classifier, [classLogit(3), classLogit(8)], {
 *   parameterization: 'pixel',
 *   regularizers: [totalVariation(0.01)],
 *   onStep: ({ step, objective, image }) => { if (image) draw(image); },
 * });
 * ```
 * Sources: Olah, Mordvintsev and Schubert 2017, "Feature Visualization" (Distill) and Lucid
 * (`lucid/optvis/{render,param,transform,objectives}.py`); Erhan et al. 2009, "Visualizing
 * Higher-Layer Features of a Deep Network"; CS231n assignment 3.
 * @param model - the classifier; layer objectives need `activations`.
 * @param objective - one objective, or one per image of the batch.
 * @param options - parameterisation, transforms, regularisers, optimiser, progress.
 * @returns the images and the objective history.
 * @throws InvalidArgumentError for unknown layers, out-of-range indices or bad options (no tensors left behind).
 * @throws NetlensError with code `'ABORTED'` when `signal` aborts.
 */
export async function visualizeFeature(
  model: ImageClassifier,
  objective: Objective | readonly Objective[],
  options: FeatureVisualizationOptions = {},
): Promise<FeatureVisualizationResult> {
  const list: readonly Objective[] = Array.isArray(objective) ? objective : [objective as Objective];
  if (list.length === 0)
    throw new InvalidArgumentError('objective', 'an objective or a non-empty array', 'an empty array');
  list.forEach((entry, index) => {
    if (typeof (entry as Partial<Objective> | null)?.evaluate !== 'function') {
      throw new InvalidArgumentError(
        Array.isArray(objective) ? `objective[${index}]` : 'objective',
        'an Objective (classLogit, channel, neuron, direction, …)',
        String(entry),
      );
    }
  });
  assertModelProvides(model, list, 'objective');
  const [height, width, channels] = resolveImageShape(model, options.imageSize);
  const numSteps = assertStepCount(options.numSteps ?? 512, 'options.numSteps', 1);
  const batchSize = assertInteger(options.batchSize ?? 1, 'options.batchSize', 1);
  const seed = assertInteger(options.seed ?? 0, 'options.seed', 0);
  const decayPower = assertNonNegative(options.decayPower ?? 1, 'options.decayPower');
  const standardDeviation = assertNonNegative(options.standardDeviation ?? 0.01, 'options.standardDeviation');
  const kind = options.parameterization ?? 'fourier';
  if (kind !== 'fourier' && kind !== 'pixel') {
    throw new InvalidArgumentError('options.parameterization', "'fourier' or 'pixel'", String(kind));
  }
  const decorrelate = options.decorrelate ?? true;
  if (typeof decorrelate !== 'boolean') {
    throw new InvalidArgumentError('options.decorrelate', 'a boolean', String(decorrelate));
  }
  const transforms = assertTransforms(options.transforms ?? standardTransforms(width), 'options.transforms');
  const regularizers = assertRegularizers(options.regularizers ?? [], 'options.regularizers');
  assertInteger(options.snapshotEvery ?? 10, 'options.snapshotEvery', 1);
  assertOptionalBoolean(options.allowNonFinite, 'options.allowNonFinite');
  assertOptionalFunction(options.onStep, 'options.onStep');
  assertOptionalSignal(options.signal, 'options.signal');
  const optimizer = createOptimizer(options.optimizer);

  const batch = list.length * batchSize;
  const random = randomSource(seed);
  const parameterization = createParameterization(
    { kind, decorrelate, decayPower, standardDeviation },
    [batch, height, width, channels],
    random,
  );
  let variables = parameterization.initial;
  // Image i maximises objective floor(i / batchSize): a one-hot selection of each objective's row.
  const selection = tf.tensor2d(
    Array.from({ length: batch }, (_, i) =>
      Array.from({ length: list.length }, (_, k) => (k === Math.floor(i / batchSize) ? 1 : 0)),
    ),
  );

  const total = (images: tf.Tensor4D, transformed: tf.Tensor4D): tf.Tensor1D =>
    tf.tidy(() => {
      const inputs = modelOutputs(model, transformed, list);
      const values = tf.stack(
        list.map((entry) => entry.evaluate(inputs)),
        1,
      );
      let value = tf.sum(tf.mul(values, selection), 1) as tf.Tensor1D;
      for (const regularizer of regularizers) {
        if (regularizer.weight !== 0)
          value = tf.sub(value, tf.mul(regularizer.weight, regularizer.penalty(images)));
      }
      return value;
    });

  try {
    // One probe pass validates indices against the real layer shapes before optimising.
    tf.tidy(() => {
      const images = parameterization.toImages(variables);
      const inputs = modelOutputs(model, images, list);
      const shapes: Record<string, readonly number[]> = {};
      if (inputs.logits) shapes.logits = inputs.logits.shape;
      for (const [name, value] of Object.entries(inputs.activations)) shapes[name] = value.shape;
      for (const entry of list) entry.validate(shapes);
    });
    const history = await runOptimization(
      'visualizeFeature',
      numSteps,
      {
        step() {
          const plan =
            transforms.length > 0 ? samplingPlan(transforms, [batch, height, width], random) : undefined;
          let perImage: tf.Tensor1D | undefined;
          let gradient: tf.Tensor;
          try {
            gradient = gradientScope(() =>
              tf.tidy(() =>
                tf.grad((x: tf.Tensor) => {
                  const images = parameterization.toImages(x);
                  const value = total(images, plan ? resample(images, plan) : images);
                  perImage = tf.keep(value.clone());
                  return tf.sum(value);
                })(variables),
              ),
            );
          } catch (error) {
            (perImage as tf.Tensor1D | undefined)?.dispose();
            throw error;
          }
          const values = perImage as unknown as tf.Tensor1D;
          // Outside the tidy: the optimiser keeps its moments across steps.
          const next = optimizer.update(variables, gradient);
          gradient.dispose();
          variables.dispose();
          variables = next;
          return values;
        },
        snapshot: () => parameterization.toImages(variables),
      },
      options,
    );
    return { images: tf.tidy(() => parameterization.toImages(variables)), objectives: history };
  } catch (error) {
    throw explainGradientError(error);
  } finally {
    variables.dispose();
    selection.dispose();
    optimizer.dispose();
    parameterization.dispose();
  }
}
