import {
  explainGradientError,
  type ImageClassifier,
  InvalidArgumentError,
  NetlensError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertChannelReduction, type ChannelReduction, reduceChannels } from './channel-reduction';
import { inputGradient, resolveTargets, scoreOf, type TargetOptions } from './targets';
import { assertValidInput } from './validate-input';

/**
 * How a ReLU passes the backward signal `dy` to its input `x`:
 * - `'guided'` (guided backpropagation, Springenberg et al. 2015): `dx = dy · [x > 0] · [dy > 0]`,
 *   and for `Relu6` also `0` where `x ≥ 6`;
 * - `'deconvnet'` (Zeiler and Fergus 2014): `dx = relu(dy)`, ignoring `x`.
 */
export type ReluGradientRule = 'guided' | 'deconvnet';

// The kernels whose gradients the rules replace. tfjs-layers' `relu` and `relu6` activations, the
// converter's `Relu`/`Relu6` nodes, `tf.relu` and fused ops with a ReLU (which unfuse under a tape)
// all record one of these.
const RELU_KERNELS = ['Relu', 'Relu6'] as const;
type ReluKernel = (typeof RELU_KERNELS)[number];

// tfjs-core's gradient registry is one global map; a second scope would save the first scope's rule
// as the "original" and restore it, so scopes must not overlap.
let activeRule: ReluGradientRule | undefined;

function ruleConfig(kernelName: ReluKernel, rule: ReluGradientRule): tf.GradConfig {
  if (rule === 'deconvnet') {
    return { kernelName, gradFunc: (dy) => ({ x: () => tf.relu(dy as tf.Tensor) }) };
  }
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as tf.Tensor[];
      const upstream = dy as tf.Tensor;
      return {
        x: () => {
          let pass = tf.logicalAnd(tf.greater(x as tf.Tensor, 0), tf.greater(upstream, 0));
          if (kernelName === 'Relu6') pass = tf.logicalAnd(pass, tf.less(x as tf.Tensor, 6));
          return tf.mul(upstream, tf.cast(pass, 'float32'));
        },
      };
    },
  };
}

/**
 * Runs `body` with the gradients of the `Relu` and `Relu6` kernels replaced by `rule`, and puts the
 * registered gradient configs back (the same objects) when it returns or throws. The rule is read
 * when an op is recorded on the gradient tape, so both the forward pass and `tf.grad` must run
 * inside `body`, synchronously.
 *
 * ```ts
 * const gradient = withReluGradientRule('guided', () => tf.tidy(() => tf.grad(f)(x)));
 * ```
 * Sources: Springenberg et al. 2015, Striving for Simplicity: The All Convolutional Net; Zeiler and
 * Fergus 2014, Visualizing and Understanding Convolutional Networks.
 * @param rule - `'guided'` or `'deconvnet'`.
 * @param body - synchronous work that records and differentiates the model.
 * @returns what `body` returned.
 * @throws NetlensError `INVALID_ARGUMENT` when called inside another rule scope, or when `body`
 *   returns a Promise (the rule would be gone before it settles).
 */
export function withReluGradientRule<T>(rule: ReluGradientRule, body: () => T): T {
  if (activeRule !== undefined) {
    throw new NetlensError(
      'INVALID_ARGUMENT',
      `A '${rule}' ReLU gradient rule cannot start inside a '${activeRule}' one: tfjs' gradient registry is global.`,
    );
  }
  const originals = RELU_KERNELS.map((kernelName) => [kernelName, tf.getGradient(kernelName)] as const);
  activeRule = rule;
  try {
    for (const kernelName of RELU_KERNELS) tf.registerGradient(ruleConfig(kernelName, rule));
    const result = body();
    if (result instanceof Promise) {
      // The registry is restored before the promise settles; swallow its rejection, then refuse it.
      result.catch(() => undefined);
      throw new NetlensError(
        'INVALID_ARGUMENT',
        'withReluGradientRule needs a synchronous body: a Promise would run after the rule is restored.',
      );
    }
    return result;
  } finally {
    for (const [kernelName, original] of originals) {
      if (original) tf.registerGradient(original);
      else if (tf.getGradient(kernelName)) tf.unregisterGradient(kernelName);
    }
    activeRule = undefined;
  }
}

/** Options of the ReLU-rule attributions (guided backpropagation, deconvnet). */
export interface ReluRuleMapOptions extends TargetOptions {
  /** Take `|dx|` before reducing channels. Default `false`: the maps are usually shown signed. */
  abs?: boolean;
  /**
   * How the channels of each pixel become one value: `'max'`, `'sum'`, `'l2'`, or `'none'` to keep
   * `[N, H, W, C]` (the RGB images of the papers). Default `'none'`.
   */
  channelReduction?: ChannelReduction;
}

/**
 * The input gradient of the explained score with every ReLU backpropagating by `rule`, validated and
 * reduced as `vanillaGradient` does. Shared by `guidedBackprop` and `deconvnet`.
 */
export async function reluRuleMap(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: ReluRuleMapOptions,
  rule: ReluGradientRule,
): Promise<tf.Tensor4D> {
  const { abs = false, channelReduction = 'none', target, scoreFn } = options;
  if (typeof abs !== 'boolean') throw new InvalidArgumentError('options.abs', 'a boolean', String(abs));
  assertChannelReduction(channelReduction);
  await assertValidInput(images, model);
  const targets = scoreFn ? [] : await resolveTargets(model, images, target);
  try {
    return withReluGradientRule(rule, () =>
      tf.tidy(() => {
        const gradient = inputGradient(scoreOf(model, targets, scoreFn), images);
        return reduceChannels(abs ? tf.abs(gradient) : gradient, channelReduction);
      }),
    );
  } catch (error) {
    throw explainGradientError(error);
  }
}
