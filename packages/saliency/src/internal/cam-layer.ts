import type { ImageClassifier, LayerIntervention } from '@netlens/backends';
import { assertClassifier, InvalidArgumentError, NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** A classifier whose layers can be read and replaced: what class-activation methods need. */
export type LayerAccessClassifier = ImageClassifier &
  Required<Pick<ImageClassifier, 'activations' | 'logitsWithInterventions'>>;

/**
 * Throws a typed `UNSUPPORTED_MODEL` error unless `model` exposes `activations` and
 * `logitsWithInterventions`.
 * @param model - the classifier to check.
 * @param method - the method name shown in the message (`'Grad-CAM'`).
 */
export function assertLayerAccess(
  model: ImageClassifier,
  method: string,
): asserts model is LayerAccessClassifier {
  assertClassifier(model);
  if (typeof model.activations !== 'function' || typeof model.logitsWithInterventions !== 'function') {
    throw new NetlensError(
      'UNSUPPORTED_MODEL',
      `${method} needs layer access (activations and logitsWithInterventions); build the classifier ` +
        'with fromFunction and its `layers` option, fromLayersModel or fromGraphModel.',
    );
  }
}

/** Throws `InvalidArgumentError('options.layer', …)` listing the valid names unless `layer` is one. */
export function assertKnownLayer(model: ImageClassifier, layer: unknown): asserts layer is string {
  if (typeof layer !== 'string' || !model.layerNames.includes(layer)) {
    throw new InvalidArgumentError(
      'options.layer',
      `one of the model's layer names (${model.layerNames.join(', ')})`,
      typeof layer === 'string' ? `'${layer}'` : String(layer),
    );
  }
}

const CONV_NAME = /conv|fire/i;

/**
 * The layer class-activation methods use when none is named. Runs `activations` once, on the first
 * image only, for every layer, and reads shapes (no values):
 *
 * 1. candidates are layers whose output is rank 4 `[N, h, w, K]` with `h·w > 1`;
 * 2. the anchor is the last candidate whose name contains `conv` or `fire` (any case), else the last
 *    candidate;
 * 3. from the anchor, the choice moves forward over the layers that directly follow it while they
 *    stay candidates of the same `h×w` (the activation, batch norm or residual add that finish a conv
 *    block), so `conv2 → relu2` picks `relu2`, and `block5_conv3 → block5_pool` keeps `block5_conv3`.
 */
export function defaultCamLayer(model: LayerAccessClassifier, images: tf.Tensor4D): string {
  const names = model.layerNames;
  const shapes = tf.tidy(() => {
    const first = tf.slice(images, [0, 0, 0, 0], [1, -1, -1, -1]);
    return model.activations(first, names).map((activation) => activation.shape);
  });
  const spatial = shapes.map((shape) =>
    shape.length === 4 && (shape[1] as number) * (shape[2] as number) > 1
      ? `${shape[1]}x${shape[2]}`
      : undefined,
  );
  let anchor = -1;
  for (let index = names.length - 1; index >= 0; index--) {
    if (spatial[index] !== undefined && CONV_NAME.test(names[index] as string)) {
      anchor = index;
      break;
    }
  }
  for (let index = names.length - 1; anchor < 0 && index >= 0; index--) {
    if (spatial[index] !== undefined) anchor = index;
  }
  if (anchor < 0) {
    throw new NetlensError(
      'UNSUPPORTED_MODEL',
      'No layer of this model has a 4-D output larger than 1×1 to compute a class-activation map on; ' +
        `its layers are ${names.join(', ') || '(none)'}.`,
    );
  }
  let chosen = anchor;
  while (chosen + 1 < names.length && spatial[chosen + 1] === spatial[anchor]) chosen += 1;
  return names[chosen] as string;
}

/**
 * A view of `model` whose `logits` run with `layer`'s output replaced by `activation`, so that a
 * score built on it (class logit or `scoreFn`) is differentiable with respect to that activation.
 */
export function withLayerReplaced(
  model: LayerAccessClassifier,
  layer: string,
  activation: tf.Tensor,
): ImageClassifier {
  // A clone, because adapters may dispose an intervention's result once later layers have read it
  // (fromLayersModel frees intermediates), and `activation` is still needed after the pass.
  const replace: LayerIntervention = () => tf.clone(activation);
  return Object.create(model, {
    logits: { value: (images: tf.Tensor4D) => model.logitsWithInterventions(images, { [layer]: replace }) },
  }) as ImageClassifier;
}
