import {
  type ActivationGradientRule,
  explainGradientError,
  type ImageClassifier,
  InvalidArgumentError,
  withActivationGradientRule,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertChannelReduction, type ChannelReduction, reduceChannels } from './channel-reduction';
import { inputGradient, resolveTargets, scoreOf, type TargetOptions } from './targets';
import { assertValidInput } from './validate-input';

/** How a ReLU passes the backward signal: `'guided'` or `'deconvnet'` (see `withActivationGradientRule`). */
export type ReluGradientRule = ActivationGradientRule;

/**
 * Runs `body` with every ReLU of the model, fused ones included, backpropagating by `rule`; the
 * registry is restored when it returns or throws. See `withActivationGradientRule` in
 * `@netlens/backends` for the rules (the ReLU6 cap stays an ordinary gradient).
 */
export const withReluGradientRule: <T>(rule: ReluGradientRule, body: () => T) => T =
  withActivationGradientRule;

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
