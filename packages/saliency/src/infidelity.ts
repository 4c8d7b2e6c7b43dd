import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { gaussianNoise, sampleSeed } from './internal/noise';
import { resolveTargets, scoreOf, type TargetOptions } from './internal/targets';
import { assertAttributionShape, assertValidInput } from './internal/validate-input';

/** Options for {@link infidelity}. */
export interface InfidelityOptions extends TargetOptions {
  /** The distribution of the perturbation `I`: `'gaussian'`, zero-mean with `std` per value. Default `'gaussian'`. */
  perturbation?: 'gaussian';
  /** Standard deviation of the Gaussian perturbation, in pixel units. Default `0.003` (Captum's example noise). */
  std?: number;
  /** Number of perturbations `I` averaged per image (Captum's `n_perturb_samples`). Default `10`. */
  samples?: number;
  /** Seed of the perturbations; the same seed gives the same result on every backend. Default `0`. */
  seed?: number;
  /**
   * Rescale the attributions by the optimal `β = E[Iᵀa·Δf] / E[(Iᵀa)²]` before measuring (Captum's
   * `normalize=True`), which makes the metric blind to the attributions' overall scale. Default `false`.
   */
  normalize?: boolean;
  /** How many perturbed images one forward pass evaluates. Default `32`. */
  internalBatchSize?: number;
}

const DEFAULT_STD = 0.003;
const DEFAULT_SAMPLES = 10;
const DEFAULT_INTERNAL_BATCH_SIZE = 32;

/**
 * Explanation infidelity (Yeh et al. 2019) as Captum computes it: the mean over random
 * perturbations `I` of `(Iᵀa − (f(x) − f(x − I)))²`, where `a` is the attribution and `f` the
 * explained score (the target logit, or `scoreFn`). An attribution that predicts how the score
 * reacts to small perturbations has infidelity near 0: for a linear model the gradient (the weights)
 * gives exactly 0, while `W ⊙ x` does not, since additive noise `I` changes the score by `Iᵀw`. `I` is Gaussian with standard deviation `std`; the perturbed images
 * may leave `[0, 1]`. Without `normalize` (the default, as in Captum) the value depends on the
 * attributions' scale.
 *
 * A `[N, H, W, 1]` attribution is shared by the channels of its pixel (`Iᵀa = Σ a_p Σ_c I_pc`).
 *
 * ```ts
 * const map = await gradientTimesInput(classifier, images, { channelReduction: 'none' });
 * const scores = await infidelity(classifier, images, map, { samples: 50, seed: 1 });
 * map.dispose();
 * ```
 * Sources: Yeh, Hsieh, Suggala, Inouye and Ravikumar 2019, "On the (In)fidelity and Sensitivity of
 * Explanations"; Captum `captum.metrics.infidelity`.
 * @param model - any classifier.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param attributions - `[N, H, W, C]` or `[N, H, W, 1]` attributions of the same score, not disposed.
 * @param options - perturbation, samples, seed, normalization, chunk size and target.
 * @returns the infidelity of each image, `[N]` numbers.
 * @throws InvalidArgumentError for bad images, attributions, targets or options.
 */
export async function infidelity(
  model: ImageClassifier,
  images: tf.Tensor4D,
  attributions: tf.Tensor4D,
  options: InfidelityOptions = {},
): Promise<number[]> {
  const {
    perturbation = 'gaussian',
    std = DEFAULT_STD,
    samples = DEFAULT_SAMPLES,
    seed = 0,
    normalize = false,
    internalBatchSize = DEFAULT_INTERNAL_BATCH_SIZE,
    scoreFn,
  } = options;
  if (perturbation !== 'gaussian') {
    throw new InvalidArgumentError('options.perturbation', "'gaussian'", String(perturbation));
  }
  if (typeof std !== 'number' || !(std > 0) || !Number.isFinite(std)) {
    throw new InvalidArgumentError('options.std', 'a positive number', String(std));
  }
  if (!Number.isInteger(samples) || samples < 1) {
    throw new InvalidArgumentError('options.samples', 'a positive integer', String(samples));
  }
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', String(seed));
  if (typeof normalize !== 'boolean') {
    throw new InvalidArgumentError('options.normalize', 'a boolean', String(normalize));
  }
  if (!Number.isInteger(internalBatchSize) || internalBatchSize < 1) {
    throw new InvalidArgumentError(
      'options.internalBatchSize',
      'a positive integer',
      String(internalBatchSize),
    );
  }
  await assertValidInput(images, model);
  assertAttributionShape(attributions, images);
  const [batch, height, width, channels] = images.shape;
  const targets = scoreFn ? [] : await resolveTargets(model, images, options.target);
  const score = scoreOf(model, targets, scoreFn);

  const baseScores = tf.tidy(() => score(images));
  const base = await baseScores.data();
  baseScores.dispose();

  // Job j is sample ⌊j / N⌋ of image j mod N; its noise seed depends only on (seed, j), so results
  // do not depend on the chunk size.
  const jobs = batch * samples;
  const products = new Float64Array(jobs);
  const differences = new Float64Array(jobs);
  for (let first = 0; first < jobs; first += internalBatchSize) {
    const count = Math.min(internalBatchSize, jobs - first);
    const imageIndices = Array.from({ length: count }, (_, index) => (first + index) % batch);
    const result = tf.tidy(() => {
      const noise = tf.concat(
        imageIndices.map((_, index) =>
          gaussianNoise([1, height, width, channels], sampleSeed(seed, first + index), std),
        ),
        0,
      ) as tf.Tensor4D;
      const indices = tf.tensor1d(imageIndices, 'int32');
      const originals = tf.gather(images, indices) as tf.Tensor4D;
      const attribution = tf.gather(attributions, indices);
      const product = tf.sum(tf.mul(noise, attribution), [1, 2, 3]);
      const chunkScores = scoreFn
        ? score(tf.sub(originals, noise) as tf.Tensor4D)
        : scoreOf(
            model,
            imageIndices.map((image) => targets[image] as number),
          )(tf.sub(originals, noise) as tf.Tensor4D);
      return tf.stack([product, chunkScores]);
    });
    const values = await result.data();
    result.dispose();
    for (let index = 0; index < count; index++) {
      products[first + index] = values[index] as number;
      differences[first + index] =
        (base[imageIndices[index] as number] as number) - (values[count + index] as number);
    }
  }

  return Array.from({ length: batch }, (_, image) => {
    let beta = 1;
    if (normalize) {
      let numerator = 0;
      let denominator = 0;
      for (let sample = 0; sample < samples; sample++) {
        const job = sample * batch + image;
        numerator += (products[job] as number) * (differences[job] as number);
        denominator += (products[job] as number) ** 2;
      }
      beta = denominator === 0 ? 0 : numerator / denominator;
    }
    let total = 0;
    for (let sample = 0; sample < samples; sample++) {
      const job = sample * batch + image;
      total += (beta * (products[job] as number) - (differences[job] as number)) ** 2;
    }
    return total / samples;
  });
}
