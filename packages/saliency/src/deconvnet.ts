import type { ImageClassifier } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { type ReluRuleMapOptions, reluRuleMap } from './internal/relu-rules';

/**
 * Options for {@link deconvnet}: what to explain, `abs` (default `false`, signed) and
 * `channelReduction` (default `'none'`, the `[N, H, W, C]` image of the paper).
 */
export type DeconvnetOptions = ReluRuleMapOptions;

/**
 * Zeiler and Fergus' deconvolutional network as a backward pass: the input gradient of the explained
 * score in which every ReLU rectifies the signal coming back instead of gating it by the forward
 * activation, `dx = relu(dy)`. Convolutions, dense layers and max-pool switches backpropagate as
 * usual, which is exactly the "deconvnet" reconstruction.
 *
 * Every ReLU follows the rule: `Relu`/`Relu6` kernels (tfjs-layers activations, converted graphs'
 * nodes, `tf.relu`, stock fused ops, which unfuse while a gradient is taken) and the ReLU inside
 * netlens' own `fusedConv2d` (SqueezeNet, the MNIST CNN). For ReLU6 the rule applies to the ReLU
 * part and the cap at 6 stays an ordinary gradient, `dx = relu(dy) · [x ≤ 6]`, so `tf.relu6`, Keras
 * `ReLU(max_value=6)` (ReLU then clip) and the `'relu6'` activation (ReLU then minimum) give the
 * same map. The rule lives in tfjs' global gradient registry only for the duration of the backward
 * pass (`withActivationGradientRule` in `@netlens/backends`).
 *
 * ```ts
 * const rgb = await deconvnet(classifier, images, { target: 'predicted' }); // [N, H, W, C], signed
 * ```
 * Sources: Zeiler and Fergus 2014, "Visualizing and Understanding Convolutional Networks";
 * Springenberg et al. 2015, "Striving for Simplicity: The All Convolutional Net" (the backward-pass
 * formulation).
 * @param model - the classifier to explain.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - target, score function, absolute value and channel reduction.
 * @returns `[N, H, W, C]`, or `[N, H, W, 1]` with a channel reduction; the caller disposes it.
 * @throws InvalidArgumentError for invalid images, targets or options.
 * @throws UnsupportedGradientError when the backend cannot differentiate the model.
 */
export function deconvnet(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: DeconvnetOptions = {},
): Promise<tf.Tensor4D> {
  return reluRuleMap(model, images, options, 'deconvnet');
}
