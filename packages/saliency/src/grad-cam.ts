import type { ImageClassifier } from '@netlens/backends';
import { assertValidImages, gradientScope, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import {
  assertKnownLayer,
  assertLayerAccess,
  defaultCamLayer,
  withLayerReplaced,
} from './internal/cam-layer';
import { resolveTargets, scoreOf, type TargetOptions } from './internal/targets';

/** Options for {@link gradCam}. */
export interface GradCamOptions extends TargetOptions {
  /**
   * The layer whose activation `A` `[N, h, w, K]` is weighted. Default: the end of the model's
   * convolution stack, found from output shapes of one image: the last layer with a 4-D output
   * larger than 1×1 whose name contains `conv` or `fire` (else the last such layer of any name),
   * then moved forward over the layers right after it that keep that `h×w` (its activation, batch
   * norm or residual add): `conv2 → relu2 → pool2` picks `relu2`; `block5_conv3 → block5_pool`
   * keeps `block5_conv3`.
   */
  layer?: string;
  /**
   * `'gradcam'` (Selvaraju et al. 2017): channel weights are the spatial mean of the gradient.
   * `'gradcam++'` (Chattopadhay et al. 2018): the closed-form weights of pytorch-grad-cam's
   * `GradCAMPlusPlus`. Default `'gradcam'`.
   */
  variant?: 'gradcam' | 'gradcam++';
  /** Resize the `h×w` map bilinearly (half-pixel centres) to the input's `H×W`. Default `true`. */
  upsample?: boolean;
  /** Clamp the map at zero, keeping only evidence for the score. Default `true`. */
  relu?: boolean;
}

// pytorch-grad-cam's guard against 0/0 in the Grad-CAM++ coefficients.
const PLUS_PLUS_EPSILON = 1e-7;

/**
 * Class-activation map of a layer: each channel of its activation `A` weighted by how much the score
 * `y` depends on it, summed over channels.
 *
 * - Grad-CAM: `α_k = mean_{i,j} ∂y/∂A_{ijk}`, `map = ReLU(Σ_k α_k A_k)`.
 * - Grad-CAM++ (as pytorch-grad-cam's `GradCAMPlusPlus`, with `g = ∂y/∂A`):
 *   `a_{ijk} = g² / (2g² + (Σ_{i,j} A_k)·g³ + 1e-7)` where `g ≠ 0`, else 0;
 *   `w_k = Σ_{i,j} a_{ijk}·ReLU(g_{ijk})`; `map = ReLU(Σ_k w_k A_k)`.
 *
 * The gradient is taken with respect to the activation by substituting it into a second forward
 * pass (`logitsWithInterventions`), so it works for class logits and for `scoreFn` alike. The map is
 * not normalised.
 *
 * ```ts
 * const maps = await gradCam(classifier, images, { target: 'predicted' }); // [N, H, W, 1]
 * const coarse = await gradCam(classifier, images, { layer: 'conv5_block3_out', upsample: false });
 * ```
 * @param model - a classifier with layer access (`fromFunction` with `layers`, `fromLayersModel`,
 *   `fromGraphModel`).
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - layer, variant, upsampling, ReLU and what to explain.
 * @returns `[N, H, W, 1]` maps, or `[N, h, w, 1]` with `upsample: false`; the caller disposes them.
 * @throws NetlensError `UNSUPPORTED_MODEL` for a model without layer access;
 *   InvalidArgumentError for an unknown or non-4-D `options.layer`, bad images or targets.
 *
 * Sources: Selvaraju et al. 2017, Grad-CAM: Visual Explanations from Deep Networks via
 * Gradient-based Localization; Chattopadhay et al. 2018, Grad-CAM++: Generalized Gradient-based
 * Visual Explanations for Deep Convolutional Networks.
 */
export async function gradCam(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: GradCamOptions = {},
): Promise<tf.Tensor4D> {
  assertLayerAccess(model, 'Grad-CAM');
  const { variant = 'gradcam', upsample = true, relu = true, scoreFn } = options;
  if (variant !== 'gradcam' && variant !== 'gradcam++') {
    throw new InvalidArgumentError('options.variant', "'gradcam' or 'gradcam++'", String(variant));
  }
  if (options.layer !== undefined) assertKnownLayer(model, options.layer);
  await assertValidImages(images, model);
  const layer = options.layer ?? defaultCamLayer(model, images);
  const targets = scoreFn ? [] : await resolveTargets(model, images, options.target);
  const [height, width] = images.shape.slice(1, 3) as [number, number];

  return gradientScope(() =>
    tf.tidy(() => {
      const [activation] = model.activations(images, [layer]) as [tf.Tensor];
      if (activation.rank !== 4) {
        throw new InvalidArgumentError(
          'options.layer',
          'a layer with a 4-D [N, h, w, K] output',
          `'${layer}' with shape [${activation.shape}]`,
        );
      }
      const gradientOf = tf.grad((a: tf.Tensor) => {
        const score = scoreOf(withLayerReplaced(model, layer, a), targets, scoreFn);
        return tf.sum(score(images));
      });
      const gradient = gradientOf(activation);
      const weights =
        variant === 'gradcam' ? tf.mean(gradient, [1, 2], true) : plusPlusWeights(activation, gradient);
      let map = tf.sum(tf.mul(weights, activation), 3, true) as tf.Tensor4D;
      if (relu) map = tf.relu(map);
      if (upsample) map = tf.image.resizeBilinear(map, [height, width], false, true);
      return map;
    }),
  );
}

/** Grad-CAM++ channel weights `[N, 1, 1, K]` from activation and gradient `[N, h, w, K]`. */
function plusPlusWeights(activation: tf.Tensor, gradient: tf.Tensor): tf.Tensor {
  const squared = tf.square(gradient);
  const cubed = tf.mul(squared, gradient);
  const activationSum = tf.sum(activation, [1, 2], true);
  const denominator = tf.add(tf.add(tf.mul(2, squared), tf.mul(activationSum, cubed)), PLUS_PLUS_EPSILON);
  const coefficients = tf.where(
    tf.notEqual(gradient, 0),
    tf.div(squared, denominator),
    tf.zerosLike(gradient),
  );
  return tf.sum(tf.mul(coefficients, tf.relu(gradient)), [1, 2], true);
}
