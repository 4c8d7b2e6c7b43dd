import { explainGradientError, type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertChannelReduction, type ChannelReduction, reduceChannels } from './internal/channel-reduction';
import { inputGradient, resolveTargets, scoreOf, type TargetOptions } from './internal/targets';
import { assertValidInput } from './internal/validate-input';

/** Options for {@link vanillaGradient}. */
export interface VanillaGradientOptions extends TargetOptions {
  /** Take `|∂s/∂x|` before reducing channels, as CS231n does. Default `true`; `false` keeps signs. */
  abs?: boolean;
  /**
   * How the channels of each pixel become one value: `'max'` (CS231n), `'sum'`, `'l2'`, or `'none'`
   * to return `[N, H, W, C]`. Default `'max'`.
   */
  channelReduction?: ChannelReduction;
}

/**
 * The gradient saliency map: how much each pixel changes the explained score, `|∂s_y/∂x|` reduced over
 * channels by their maximum (CS231n's "saliency map"). One backward pass for the whole batch.
 *
 * ```ts
 * const map = await vanillaGradient(classifier, images); // [N, H, W, 1], target = predicted class
 * const signed = await vanillaGradient(classifier, images, { abs: false, channelReduction: 'none', target: 3 });
 * ```
 * Sources: Simonyan, Vedaldi and Zisserman 2014, "Deep Inside Convolutional Networks: Visualising Image
 * Classification Models and Saliency Maps"; CS231n assignment 3, "Network Visualization".
 * @param model - the classifier to explain.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - target, score function, absolute value and channel reduction.
 * @returns `[N, H, W, 1]`, or `[N, H, W, C]` for `channelReduction: 'none'`; the caller disposes it.
 * @throws InvalidArgumentError for invalid images, targets or options.
 * @throws UnsupportedGradientError when the backend cannot differentiate the model.
 */
export async function vanillaGradient(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: VanillaGradientOptions = {},
): Promise<tf.Tensor4D> {
  const { abs = true, channelReduction = 'max', target, scoreFn } = options;
  if (typeof abs !== 'boolean') throw new InvalidArgumentError('options.abs', 'a boolean', String(abs));
  assertChannelReduction(channelReduction);
  await assertValidInput(images, model);
  const targets = scoreFn ? [] : await resolveTargets(model, images, target);
  try {
    return tf.tidy(() => {
      const gradient = inputGradient(scoreOf(model, targets, scoreFn), images);
      return reduceChannels(abs ? tf.abs(gradient) : gradient, channelReduction);
    });
  } catch (error) {
    throw explainGradientError(error);
  }
}
