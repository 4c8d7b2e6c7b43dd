import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { type GradCamOptions, gradCam } from './grad-cam';
import { guidedBackprop } from './guided-backprop';
import { assertLayerAccess } from './internal/cam-layer';
import { assertChannelReduction, type ChannelReduction } from './internal/channel-reduction';
import { resolveTargets } from './internal/targets';
import { assertValidInput } from './internal/validate-input';

/** Options for {@link guidedGradCam}: Grad-CAM's layer, variant and ReLU, and the guided map's form. */
export interface GuidedGradCamOptions extends Omit<GradCamOptions, 'upsample'> {
  /** Take `|dx|` of the guided backpropagation map before reducing its channels. Default `false`. */
  abs?: boolean;
  /**
   * How the guided map's channels become one value before the product: `'max'`, `'sum'`, `'l2'`,
   * or `'none'` to return `[N, H, W, C]` (the coloured maps of the paper). Default `'none'`.
   */
  channelReduction?: ChannelReduction;
}

/**
 * Guided Grad-CAM: the guided backpropagation map (fine, class-insensitive) multiplied pixel by
 * pixel by the Grad-CAM map upsampled to the input (coarse, class-discriminative), both for the same
 * score. `map = gradCam(…, { upsample: true }) · guidedBackprop(…)`, the Grad-CAM map broadcast over
 * the guided map's channels.
 *
 * ```ts
 * const maps = await guidedGradCam(classifier, images, { target: 3 }); // [N, H, W, C]
 * const gray = await guidedGradCam(classifier, images, { abs: true, channelReduction: 'max', layer: 'conv5' });
 * ```
 * Sources: Selvaraju et al. 2017, "Grad-CAM: Visual Explanations from Deep Networks via
 * Gradient-based Localization"; Springenberg et al. 2015, "Striving for Simplicity".
 * @param model - a classifier with layer access (`fromFunction` with `layers`, `fromLayersModel`,
 *   `fromGraphModel`).
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - what to explain, Grad-CAM's layer, variant and ReLU, the guided map's `abs` and
 *   channel reduction.
 * @returns `[N, H, W, C]`, or `[N, H, W, 1]` with a channel reduction; the caller disposes it.
 * @throws NetlensError `UNSUPPORTED_MODEL` for a model without layer access; InvalidArgumentError
 *   for invalid images, targets or options.
 * @throws UnsupportedGradientError when the backend cannot differentiate the model.
 */
export async function guidedGradCam(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: GuidedGradCamOptions = {},
): Promise<tf.Tensor4D> {
  assertLayerAccess(model, 'Guided Grad-CAM');
  const { abs = false, channelReduction = 'none', target, scoreFn, ...camOptions } = options;
  if (typeof abs !== 'boolean') throw new InvalidArgumentError('options.abs', 'a boolean', String(abs));
  assertChannelReduction(channelReduction);
  await assertValidInput(images, model);
  // Resolved once so that both maps explain the same classes.
  const targets = scoreFn ? undefined : await resolveTargets(model, images, target);
  const cam = await gradCam(model, images, { ...camOptions, target: targets, scoreFn, upsample: true });
  let guided: tf.Tensor4D;
  try {
    guided = await guidedBackprop(model, images, { target: targets, scoreFn, abs, channelReduction });
  } catch (error) {
    cam.dispose();
    throw error;
  }
  const map = tf.mul(cam, guided) as tf.Tensor4D;
  tf.dispose([cam, guided]);
  return map;
}
