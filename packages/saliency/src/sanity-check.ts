import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { spearmanCorrelation } from './internal/rank-correlation';
import {
  checkStepCount,
  checkStepOptions,
  type SaliencyStepOptions,
  throwIfAborted,
  yieldToEventLoop,
} from './internal/steps';
import { resolveTargets, type TargetOptions } from './internal/targets';
import { assertValidInput } from './internal/validate-input';
import type { SaliencyMethod } from './smooth-grad';

/** Options for {@link sanityCheck}. */
export interface SanityCheckOptions extends TargetOptions, SaliencyStepOptions {
  /**
   * With a model factory: the number of randomised models, called as `models(1) … models(steps)`,
   * an integer in `[0, 10000]`. `onStep` counts the models whose maps are done, up to `steps + 1`
   * (or the array's length); `signal` is also passed to `method`.
   */
  steps?: number;
  /** Compare `|map|` rather than signed maps, as Adebayo et al.'s main figures do. Default `true`. */
  abs?: boolean;
}

/** Correlations of each model's maps with the original model's. */
export interface SanityCheckResult {
  /**
   * `correlations[k][n]`: Spearman rank correlation between image `n`'s map under model `k` and
   * under model `0` (so `correlations[0]` is 1 for every non-constant map); `NaN` when a map is constant.
   */
  correlations: number[][];
}

/**
 * Adebayo et al.'s model-parameter randomisation test: computes `method`'s map with the original
 * model (`models[0]`) and with each progressively randomised model (`models[1]`, `models[2]`, …),
 * and reports the Spearman rank correlation (average ranks for ties) of each map with the original,
 * per image. A method that explains the model should lose correlation as more layers are
 * randomised; one that stays highly correlated is insensitive to the weights (an edge detector).
 *
 * The classifier contract gives no access to weights, so the caller builds the randomised models,
 * typically by re-initialising layers from the top down (cascading randomisation). They may be an
 * array, or a factory `models(step)` called for `step = 0 … options.steps`; models are not disposed.
 * The target is resolved once on the original model and kept for all models.
 *
 * ```ts
 * const { correlations } = await sanityCheck(vanillaGradient, (step) => cascade(step), images, { steps: 4 });
 * ```
 * Sources: Adebayo, Gilmer, Muelly, Goodfellow, Hardt and Kim 2018, "Sanity Checks for Saliency Maps"
 * (section 3, cascading randomisation; Spearman rank correlation of absolute maps).
 * @param method - the attribution method, called with explicit per-image targets (or `scoreFn`).
 * @param models - the original model followed by the randomised ones, or a factory of them.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - number of steps (factory only), absolute value, target, `onStep` and `signal`.
 * @returns the correlation of every model's maps with the original's, per image.
 * @throws InvalidArgumentError for bad models, images, targets or options, or maps whose shape
 *   differs; NetlensError `'ABORTED'` when `signal` fires (checked before each model).
 */
export async function sanityCheck(
  method: SaliencyMethod,
  models: readonly ImageClassifier[] | ((step: number) => ImageClassifier),
  images: tf.Tensor4D,
  options: SanityCheckOptions = {},
): Promise<SanityCheckResult> {
  const { abs = true, scoreFn } = options;
  if (typeof method !== 'function') {
    throw new InvalidArgumentError('method', 'an attribution function', typeof method);
  }
  if (typeof abs !== 'boolean') throw new InvalidArgumentError('options.abs', 'a boolean', String(abs));
  let count: number;
  checkStepOptions(options);
  const { onStep, signal } = options;
  if (typeof models === 'function') {
    count = checkStepCount(options.steps, 'options.steps', 0) + 1;
  } else {
    if (!Array.isArray(models) || models.length === 0) {
      throw new InvalidArgumentError(
        'models',
        'a non-empty array of classifiers or a factory',
        String(models),
      );
    }
    count = models.length;
  }
  const modelAt = (step: number): ImageClassifier =>
    typeof models === 'function' ? models(step) : (models[step] as ImageClassifier);

  throwIfAborted(signal, 'sanityCheck');
  const original = modelAt(0);
  await assertValidInput(images, original);
  const targets = scoreFn ? [] : await resolveTargets(original, images, options.target);
  const batch = images.shape[0];

  const mapsOf = async (model: ImageClassifier): Promise<Float32Array[]> => {
    const map = await method(model, images, scoreFn ? { scoreFn, signal } : { target: targets, signal });
    let values: Float32Array | Int32Array | Uint8Array;
    try {
      values = await map.data();
    } finally {
      map.dispose();
    }
    const size = values.length / batch;
    return Array.from({ length: batch }, (_, image) => {
      const slice = Float32Array.from(values.subarray(image * size, (image + 1) * size));
      return abs ? slice.map(Math.abs) : slice;
    });
  };

  const reference = await mapsOf(original);
  const correlations: number[][] = [];
  for (let step = 0; step < count; step++) {
    if (step > 0) {
      await yieldToEventLoop();
      throwIfAborted(signal, 'sanityCheck');
    }
    const model = step === 0 ? original : modelAt(step);
    if (step > 0) await assertValidInput(images, model);
    const maps = step === 0 ? reference : await mapsOf(model);
    correlations.push(
      maps.map((map, image) => {
        const base = reference[image] as Float32Array;
        if (map.length !== base.length) {
          throw new InvalidArgumentError(
            'models',
            `maps of ${base.length} values per image`,
            `${map.length} values at step ${step}`,
          );
        }
        return spearmanCorrelation(map, base);
      }),
    );
    await onStep?.({ step: step + 1, numSteps: count });
  }
  return { correlations };
}
