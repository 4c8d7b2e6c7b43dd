import type { GradConfig } from '@tensorflow/tfjs-core';
import * as tf from '@tensorflow/tfjs-core';
import { avgPoolGradConfig } from './avg-pool-gradient';
import { fusedConv2dGradConfig } from './fused-conv2d';
import { mirrorPadGradConfig } from './mirror-pad-gradient';

// Marks netlens' gradient configs in tfjs' global registry, so that every copy of this package (ESM
// and CJS builds loaded side by side) recognises the others' configs as its own.
const OVERRIDE_MARK = Symbol.for('@netlens/backends/gradient-override');
// The mark `withActivationGradientRule` puts on the configs it registers for the length of a scope.
const RULE_MARK = Symbol.for('@netlens/backends/activation-gradient-rule');

type MarkedConfig = GradConfig & { [OVERRIDE_MARK]?: true; [RULE_MARK]?: unknown };

const mark = (config: GradConfig): MarkedConfig =>
  Object.freeze({ ...config, [OVERRIDE_MARK]: true as const });

/**
 * netlens' corrections to tfjs-core's gradients: `FusedConv2D` (tfjs has none: `fusedConv2d` stays
 * fused under a tape), `AvgPool` (tfjs divides a SAME window at the border by the full window size,
 * not by the pixels it covers) and `MirrorPad` (tfjs drops what the padded copies send back).
 */
const OVERRIDES: readonly MarkedConfig[] = [
  fusedConv2dGradConfig,
  avgPoolGradConfig,
  mirrorPadGradConfig,
].map(mark);

/** The kernels whose gradients {@link ensureGradientOverrides} keeps as netlens defines them. */
export const GRADIENT_OVERRIDE_KERNELS: readonly string[] = /* @__PURE__ */ Object.freeze(
  OVERRIDES.map((config) => config.kernelName),
);

/**
 * Puts netlens' gradients back in tfjs' global gradient registry wherever something else holds the
 * kernel, and returns how many it put back (0 almost always; a few map lookups).
 *
 * tfjs' registry keeps the last registration. `@tensorflow/tfjs-layers` (and so `@tensorflow/tfjs`
 * and `@netlens/models/node`) registers every stock tfjs gradient again when it is first imported,
 * which silently replaces netlens' exact `AvgPool` and `MirrorPad` gradients if that import comes
 * after `@netlens/backends`. netlens calls this wherever it takes a gradient: in every classifier
 * made by `fromFunction`, `fromLayersModel` or `fromGraphModel` (each `logits`, `activations` and
 * `logitsWithInterventions` call, before the forward pass records the kernels on the tape), in
 * `gradientScope` and in `withActivationGradientRule`. Code that calls `tf.grad` on raw tfjs ops or
 * models after importing tfjs-layers calls it once after that import.
 *
 * A gradient that a `withActivationGradientRule` scope has registered is left alone while the scope
 * lasts. A gradient registered by the user for one of these kernels is replaced.
 *
 * ```ts
 * import '@tensorflow/tfjs-layers';
 * import { ensureGradientOverrides } from '@netlens/backends';
 * ensureGradientOverrides();
 * const dx = tf.grad((x) => tf.sum(tf.avgPool(x, 3, 1, 'same')))(images);
 * ```
 * @returns how many gradients were registered again.
 */
export function ensureGradientOverrides(): number {
  let restored = 0;
  for (const config of OVERRIDES) {
    const current = tf.getGradient(config.kernelName) as MarkedConfig | undefined;
    if (current?.[OVERRIDE_MARK] || current?.[RULE_MARK] !== undefined) continue;
    tf.registerGradient(config);
    restored += 1;
  }
  return restored;
}
