import * as tf from '@tensorflow/tfjs-core';

/**
 * How a ReLU passes the backward signal `dy` to its input:
 * - `'guided'` (guided backpropagation, Springenberg et al. 2015): `dy · [x > 0] · [dy > 0]`;
 * - `'deconvnet'` (Zeiler and Fergus 2014): `relu(dy)`, whatever `x` was.
 *
 * Only the ReLU part of an activation follows the rule: the cap of ReLU6 (`min(·, 6)`) is an
 * ordinary gradient, `[x ≤ 6]` as tfjs differentiates `Relu6`, `ClipByValue` and `Minimum`.
 */
export type ActivationGradientRule = 'guided' | 'deconvnet';

/**
 * The ReLU's backward pass under `rule`, given `positive`, a float 0/1 mask of where its input was
 * above zero (`step(x)`, or `step(y)` from the output: `y > 0` exactly when `x > 0`).
 * `dy · [dy > 0]` is `relu(dy)`, so guided backprop costs one kernel more than the plain gradient.
 */
export function reluRuleBackward(
  dy: tf.Tensor,
  positive: tf.Tensor,
  rule: ActivationGradientRule,
): tf.Tensor {
  return rule === 'guided' ? tf.mul(tf.relu(dy), positive) : tf.relu(dy);
}
