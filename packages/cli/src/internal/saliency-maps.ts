import type { ImageClassifier } from '@netlens/backends';
import { normalizeAttribution, overlay } from '@netlens/image';
import {
  deconvnet,
  gradCam,
  gradientTimesInput,
  guidedBackprop,
  guidedGradCam,
  integratedGradients,
  occlusion,
  smoothGrad,
  type Target,
  vanillaGradient,
} from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';

/** The methods `netlens saliency --method` accepts. */
export const SALIENCY_METHODS = [
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
export type SaliencyMethodName = (typeof SALIENCY_METHODS)[number];

/** What each method is, for help texts and reports. */
export const SALIENCY_DESCRIPTIONS: Record<SaliencyMethodName, string> = {
  vanilla: "CS231n's |∂score/∂pixel|, max over channels (Simonyan et al. 2014)",
  gradxinput: 'gradient × input, summed over channels',
  smoothgrad: 'SmoothGrad: vanilla averaged over 25 noisy copies, σ = 15% (Smilkov et al. 2017)',
  ig: 'Integrated Gradients, black baseline, 50 Gauss–Legendre steps (Sundararajan et al. 2017)',
  gradcam: 'Grad-CAM on the last conv layer (Selvaraju et al. 2017)',
  'gradcam++': 'Grad-CAM++ (Chattopadhay et al. 2018)',
  guided: 'guided backpropagation (Springenberg et al. 2015)',
  deconvnet: 'deconvnet rules (Zeiler & Fergus 2014)',
  guidedgradcam: 'Grad-CAM × guided backpropagation',
  occlusion: 'score drop under a sliding grey patch (Zeiler & Fergus 2014)',
};

/** Runs one method and returns its raw attribution `[N, H, W, C']`. */
export async function attribution(
  method: SaliencyMethodName,
  model: ImageClassifier,
  images: tf.Tensor4D,
  target: Target,
  seed: number,
): Promise<tf.Tensor4D> {
  switch (method) {
    case 'vanilla':
      return vanillaGradient(model, images, { target });
    case 'gradxinput':
      return gradientTimesInput(model, images, { target, channelReduction: 'sum' });
    case 'smoothgrad':
      return smoothGrad(model, images, { target, seed });
    case 'ig': {
      const { attributions } = await integratedGradients(model, images, { target });
      const summed = tf.sum(attributions, 3, true) as tf.Tensor4D;
      attributions.dispose();
      return summed;
    }
    case 'gradcam':
      return gradCam(model, images, { target });
    case 'gradcam++':
      return gradCam(model, images, { target, variant: 'gradcam++' });
    case 'guided':
      return guidedBackprop(model, images, { target });
    case 'deconvnet':
      return deconvnet(model, images, { target });
    case 'guidedgradcam':
      return guidedGradCam(model, images, { target });
    case 'occlusion': {
      const size = Math.max(2, Math.round(images.shape[1] / 7));
      return occlusion(model, images, { target, window: size, stride: Math.max(1, Math.round(size / 2)) });
    }
  }
}

const SIGNED: readonly SaliencyMethodName[] = ['gradxinput', 'ig'];

/**
 * Renders a raw attribution as a heatmap over the images: |map| (channels reduced by max when it
 * has several) normalised to its 99th percentile, `jet` at 50 % over the picture.
 */
export function renderAttribution(
  method: SaliencyMethodName,
  images: tf.Tensor4D,
  map: tf.Tensor4D,
): tf.Tensor4D {
  return tf.tidy(() => {
    const magnitude = SIGNED.includes(method) ? tf.abs(map) : map;
    const reduced = magnitude.shape[3] === 1 ? magnitude : tf.max(tf.abs(magnitude), 3, true);
    const heat = normalizeAttribution(reduced as tf.Tensor4D, { signMode: 'abs' });
    return overlay(images, heat, { alpha: 0.55, colormap: 'jet' });
  });
}
