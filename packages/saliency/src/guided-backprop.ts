import type { ImageClassifier } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { type ReluRuleMapOptions, reluRuleMap } from './internal/relu-rules';

/**
 * Options for {@link guidedBackprop}: what to explain, `abs` (default `false`, signed) and
 * `channelReduction` (default `'none'`, the `[N, H, W, C]` image of the paper).
 */
export type GuidedBackpropOptions = ReluRuleMapOptions;

/**
 * Guided backpropagation: the input gradient of the explained score in which every ReLU passes back
 * only positive signal through positive activations, `dx = dy · [x > 0] · [dy > 0]`. The maps are
 * sharper than the plain gradient and mostly class-insensitive.
 *
 * Every ReLU follows the rule: `Relu`/`Relu6` kernels (tfjs-layers activations, converted graphs'
 * nodes, `tf.relu`, stock fused ops, which unfuse while a gradient is taken) and the ReLU inside
 * netlens' own `fusedConv2d` (SqueezeNet, the MNIST CNN). For ReLU6 the rule applies to the ReLU
 * part and the cap at 6 stays an ordinary gradient, `dx = dy · [0 < x ≤ 6] · [dy > 0]`, so
 * `tf.relu6`, Keras `ReLU(max_value=6)` (ReLU then clip) and the `'relu6'` activation (ReLU then
 * minimum) give the same map. Other activations (leaky ReLU, ELU, a ReLU written as `tf.maximum`)
 * backpropagate normally. The rule lives in tfjs' global gradient registry only for the duration
 * of the backward pass (`withActivationGradientRule` in `@netlens/backends`).
 *
 * ```ts
 * const rgb = await guidedBackprop(classifier, images, { target: 3 }); // [N, H, W, C], signed
 * const gray = await guidedBackprop(classifier, images, { abs: true, channelReduction: 'max' });
 * ```
 * Sources: Springenberg, Dosovitskiy, Brox and Riedmiller 2015, "Striving for Simplicity: The All
 * Convolutional Net".
 * @param model - the classifier to explain.
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - target, score function, absolute value and channel reduction.
 * @returns `[N, H, W, C]`, or `[N, H, W, 1]` with a channel reduction; the caller disposes it.
 * @throws InvalidArgumentError for invalid images, targets or options.
 * @throws UnsupportedGradientError when the backend cannot differentiate the model.
 */
export function guidedBackprop(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: GuidedBackpropOptions = {},
): Promise<tf.Tensor4D> {
  return reluRuleMap(model, images, options, 'guided');
}
