import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { deconvnet } from './deconvnet';
import { gradCam } from './grad-cam';
import { gradientTimesInput } from './gradient-times-input';
import { guidedBackprop } from './guided-backprop';
import { guidedGradCam } from './guided-grad-cam';
import { integratedGradients } from './integrated-gradients';
import type { SaliencyStepOptions } from './internal/steps';
import type { Target } from './internal/targets';
import { occlusion } from './occlusion';
import { smoothGrad } from './smooth-grad';
import { vanillaGradient } from './vanilla-gradient';

/** The names {@link runSaliencyMethod} accepts, for menus and command lines. */
export const SALIENCY_METHOD_NAMES = [
  'vanilla',
  'gradxinput',
  'smoothgrad',
  'ig',
  'gradcam',
  'gradcam++',
  'guided',
  'deconvnet',
  'guidedgradcam',
  'occlusion',
] as const;

/** A method's menu name. */
export type SaliencyMethodName = (typeof SALIENCY_METHOD_NAMES)[number];

/** What each named method computes with the defaults {@link runSaliencyMethod} uses, and its source. */
export const SALIENCY_METHOD_DESCRIPTIONS: Readonly<Record<SaliencyMethodName, string>> = {
  vanilla: "CS231n's |∂score/∂pixel|, max over channels (Simonyan et al. 2014)",
  gradxinput: 'gradient × input, summed over channels (Shrikumar et al. 2016)',
  smoothgrad:
    'signed gradient averaged over 25 noisy copies (σ = 15 % of the range), max |·| over channels (Smilkov et al. 2017)',
  ig: 'Integrated Gradients from black, 50 Gauss–Legendre steps, summed over channels (Sundararajan et al. 2017)',
  gradcam: 'Grad-CAM on the last conv layer (Selvaraju et al. 2017)',
  'gradcam++': 'Grad-CAM++ on the last conv layer (Chattopadhay et al. 2018)',
  guided: 'guided backpropagation, max |·| over channels (Springenberg et al. 2015)',
  deconvnet: 'deconvnet backward rules, max |·| over channels (Zeiler & Fergus 2014)',
  guidedgradcam: 'Grad-CAM × guided backpropagation (Selvaraju et al. 2017)',
  occlusion: 'score drop under a sliding grey window of 1/7 of the image (Zeiler & Fergus 2014)',
};

/**
 * Options for {@link runSaliencyMethod}. `onStep` and `signal` reach the methods that run in chunks
 * (`smoothgrad`, `ig`, `occlusion`); the others are one backward or forward pass.
 */
export interface RunSaliencyMethodOptions extends SaliencyStepOptions {
  /** One class, one per image, or `'predicted'` (default). */
  target?: Target;
  /** Seed of SmoothGrad's noise. Default 1. */
  seed?: number;
}

/**
 * Runs a method chosen by name with menu-friendly defaults and returns one map per image,
 * `[N, H, W, 1]` (signed for `gradxinput` and `ig`, else non-negative), ready for
 * `normalizeAttribution` and `overlay` from `@netlens/image`. For anything beyond the defaults call
 * the method's own function.
 *
 * ```ts
 * const map = await runSaliencyMethod('gradcam', classifier, images, { target: 'predicted' });
 * ```
 * @param name - one of {@link SALIENCY_METHOD_NAMES}.
 * @param model - the classifier.
 * @param images - `[N, H, W, C]` pixels in `[0, 1]`.
 * @param options - target, seed, and `onStep`/`signal` for the methods that run in chunks.
 * @returns `[N, H, W, 1]` attributions.
 * @throws InvalidArgumentError for an unknown name, and whatever the method throws for bad input.
 */
export async function runSaliencyMethod(
  name: SaliencyMethodName,
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: RunSaliencyMethodOptions = {},
): Promise<tf.Tensor4D> {
  const target = options.target ?? 'predicted';
  const { onStep, signal } = options;
  switch (name) {
    case 'vanilla':
      return vanillaGradient(model, images, { target });
    case 'gradxinput':
      return gradientTimesInput(model, images, { target, channelReduction: 'sum' });
    case 'smoothgrad': {
      const smoothed = await smoothGrad(model, images, { target, seed: options.seed ?? 1, onStep, signal });
      const reduced = tf.tidy(() => tf.max(tf.abs(smoothed), 3, true) as tf.Tensor4D);
      smoothed.dispose();
      return reduced;
    }
    case 'ig': {
      const { attributions } = await integratedGradients(model, images, { target, onStep, signal });
      const summed = tf.sum(attributions, 3, true) as tf.Tensor4D;
      attributions.dispose();
      return summed;
    }
    case 'gradcam':
      return gradCam(model, images, { target });
    case 'gradcam++':
      return gradCam(model, images, { target, variant: 'gradcam++' });
    case 'guided':
      return guidedBackprop(model, images, { target, abs: true, channelReduction: 'max' });
    case 'deconvnet':
      return deconvnet(model, images, { target, abs: true, channelReduction: 'max' });
    case 'guidedgradcam':
      return guidedGradCam(model, images, { target, abs: true, channelReduction: 'max' });
    case 'occlusion': {
      const window = Math.max(2, Math.round(images.shape[1] / 7));
      return occlusion(model, images, {
        target,
        window,
        stride: Math.max(1, Math.round(window / 2)),
        onStep,
        signal,
      });
    }
    default:
      throw new InvalidArgumentError('name', `one of ${SALIENCY_METHOD_NAMES.join(', ')}`, String(name));
  }
}
