import * as tf from '@tensorflow/tfjs-core';
import { FusedConv2D, type GradConfig, Relu, Relu6 } from '@tensorflow/tfjs-core';
import { ensureGradientOverrides } from './ensure-gradient-overrides';
import { NetlensError } from './errors';
import { createFusedConv2dGradConfig } from './fused-conv2d';
import { type ActivationGradientRule, reluRuleBackward } from './internal/relu-backward';

export type { ActivationGradientRule } from './internal/relu-backward';

// Marks the configs a rule scope registers, so that a nested scope is detected from tfjs' global
// gradient registry itself (shared by every copy of this module) rather than from module state.
const RULE_MARK = Symbol.for('@netlens/backends/activation-gradient-rule');

type RuleConfig = GradConfig & { [RULE_MARK]?: ActivationGradientRule };

function reluConfig(rule: ActivationGradientRule): GradConfig {
  return {
    kernelName: Relu,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return { x: () => reluRuleBackward(dy as tf.Tensor, tf.step(x), rule) };
    },
  };
}

function relu6Config(rule: ActivationGradientRule): GradConfig {
  return {
    kernelName: Relu6,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor];
      return {
        x: () => {
          // relu6(x) = min(relu(x), 6): the cap passes dy where x ≤ 6 (tfjs' Relu6, ClipByValue and
          // Minimum gradients agree), then the ReLU part follows the rule.
          const capped = tf.mul(dy as tf.Tensor, tf.cast(tf.lessEqual(x, 6), 'float32'));
          return reluRuleBackward(capped, tf.step(x), rule);
        },
      };
    },
  };
}

/**
 * Every kernel with an activation inside, and its gradient under a rule. Stock fused ops
 * (`tf.fused.conv2d`, `matMul`, `depthwiseConv2d`) split into `Relu`/`Relu6` kernels under a
 * gradient tape, so only kernels that stay fused under `tf.grad` need an entry here.
 */
const RULE_CONFIGS: ReadonlyArray<readonly [string, (rule: ActivationGradientRule) => GradConfig]> = [
  [Relu, reluConfig],
  [Relu6, relu6Config],
  [FusedConv2D, createFusedConv2dGradConfig],
];

/** The kernels whose gradients {@link withActivationGradientRule} replaces. */
export const ACTIVATION_RULE_KERNELS: readonly string[] = /* @__PURE__ */ Object.freeze(
  RULE_CONFIGS.map(([kernelName]) => kernelName),
);

/**
 * Runs `body` with every ReLU backpropagating by `rule`: the `Relu` and `Relu6` kernels (which
 * `tf.relu`, `tf.relu6`, tfjs-layers activations, converter graphs and stock fused ops under a tape
 * all record) and the ReLU fused into {@link fusedConv2d}. Only the ReLU part follows the rule; the
 * cap of ReLU6 stays an ordinary gradient (`[x ≤ 6]`), so `tf.relu6(x)`, `tf.clipByValue(tf.relu(x),
 * 0, 6)` and `tf.minimum(tf.relu(x), 6)` give the same maps:
 * - `'guided'`: `dx = dy · [x > 0] · [dy > 0]`, and `· [x ≤ 6]` for ReLU6;
 * - `'deconvnet'`: `dx = relu(dy)`, and `· [x ≤ 6]` for ReLU6.
 *
 * The registered gradient configs are put back (the same objects) when `body` returns or throws.
 * tfjs reads a kernel's gradient when the kernel is recorded on the tape, so the forward pass and
 * `tf.grad` must both run inside `body`, synchronously. Plain gradients outside a scope are
 * untouched.
 *
 * ```ts
 * const guided = withActivationGradientRule('guided', () =>
 *   tf.tidy(() => tf.grad((x) => tf.sum(tf.mul(model(x), oneHot)))(images)),
 * );
 * ```
 * Sources: Springenberg et al. 2015, Striving for Simplicity: The All Convolutional Net; Zeiler and
 * Fergus 2014, Visualizing and Understanding Convolutional Networks.
 * @param rule - `'guided'` or `'deconvnet'`.
 * @param body - synchronous work that records and differentiates the model.
 * @returns what `body` returned.
 * @throws NetlensError `INVALID_ARGUMENT` for an unknown rule, when called inside another rule
 *   scope (tfjs' gradient registry is global), or when `body` returns a Promise (the rule would be
 *   gone before it settles).
 */
export function withActivationGradientRule<T>(rule: ActivationGradientRule, body: () => T): T {
  if (rule !== 'guided' && rule !== 'deconvnet') {
    throw new NetlensError('INVALID_ARGUMENT', `Unknown activation gradient rule '${String(rule)}'.`);
  }
  const active = (tf.getGradient(Relu) as RuleConfig | undefined)?.[RULE_MARK];
  if (active !== undefined) {
    throw new NetlensError(
      'INVALID_ARGUMENT',
      `A '${rule}' activation gradient rule cannot start inside a '${active}' one: tfjs' gradient registry is global.`,
    );
  }
  // Gradients the rule leaves alone (AvgPool, …) must be netlens' too inside the scope.
  ensureGradientOverrides();
  const originals = RULE_CONFIGS.map(([kernelName]) => [kernelName, tf.getGradient(kernelName)] as const);
  try {
    for (const [, create] of RULE_CONFIGS) {
      tf.registerGradient({ ...create(rule), [RULE_MARK]: rule } as RuleConfig);
    }
    const result = body();
    if (result instanceof Promise) {
      // The registry is restored before the promise settles; swallow its rejection, then refuse it.
      result.catch(() => undefined);
      throw new NetlensError(
        'INVALID_ARGUMENT',
        'withActivationGradientRule needs a synchronous body: a Promise would run after the rule is restored.',
      );
    }
    return result;
  } finally {
    for (const [kernelName, original] of originals) {
      if (original) tf.registerGradient(original);
      else if (tf.getGradient(kernelName)) tf.unregisterGradient(kernelName);
    }
  }
}
