import { explainGradientError, type ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertChannelReduction, type ChannelReduction, reduceChannels } from './internal/channel-reduction';
import { inputGradient, resolveTargets, scoreOf, type TargetOptions } from './internal/targets';
import { assertValidInput } from './internal/validate-input';

/** Options for {@link gradientTimesInput}. */
export interface GradientTimesInputOptions extends TargetOptions {
  /**
   * How the channels of each pixel become one value: `'sum'` (the pixel's total contribution, signs
   * kept), `'max'`, `'l2'`, or `'none'` to return `[N, H, W, C]`. Default `'sum'`.
   */
  channelReduction?: ChannelReduction;
}

/**
 * Gradient ⊙ input: each input value times the explained score's gradient there, `x ⊙ ∂s/∂x`, signed.
 * For a model linear in its pixels without bias, the attributions sum to the score.
 *
 * The input is the `[0, 1]` pixels the classifier receives, before its own preprocessing, so the
 * implicit baseline is a black image: black pixels get zero attribution whatever their gradient.
 *
 * ```ts
 * const map = await gradientTimesInput(classifier, images); // [N, H, W, 1], summed over channels
 * const perChannel = await gradientTimesInput(classifier, images, { channelReduction: 'none' });
 * ```
 * Sources: Shrikumar et al. 2016, "Not Just a Black Box: Learning Important Features Through
 * Propagating Activation Differences"; Ancona et al. 2018, "Towards Better Understanding of
 * Gradient-based Attribution Methods for Deep Neural Networks".
 * @param model - the classifier to explain.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - target, score function and channel reduction.
 * @returns `[N, H, W, 1]`, or `[N, H, W, C]` for `channelReduction: 'none'`; the caller disposes it.
 * @throws InvalidArgumentError for invalid images, targets or options.
 * @throws UnsupportedGradientError when the backend cannot differentiate the model.
 */
export async function gradientTimesInput(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: GradientTimesInputOptions = {},
): Promise<tf.Tensor4D> {
  const { channelReduction = 'sum', target, scoreFn } = options;
  assertChannelReduction(channelReduction);
  await assertValidInput(images, model);
  const targets = scoreFn ? [] : await resolveTargets(model, images, target);
  try {
    return tf.tidy(() => {
      const gradient = inputGradient(scoreOf(model, targets, scoreFn), images);
      return reduceChannels(tf.mul(gradient, images), channelReduction);
    });
  } catch (error) {
    throw explainGradientError(error);
  }
}
