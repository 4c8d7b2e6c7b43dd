import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import type { Objective, ObjectiveInputs } from '../objectives';
import { assertLayerName } from './validate-options';

/** Checks that the model can provide what `objectives` read; throws `InvalidArgumentError`. */
export function assertModelProvides(
  model: ImageClassifier,
  objectives: readonly Objective[],
  argument: string,
): void {
  const layers = [...new Set(objectives.flatMap((objective) => objective.layers))];
  if (layers.length > 0 && typeof model.activations !== 'function') {
    throw new InvalidArgumentError(
      argument,
      'objectives on logits only (this model has no activations())',
      layers.join(', '),
    );
  }
  for (const layer of layers) assertLayerName(layer, model.layerNames, argument);
}

/**
 * The logits and layer activations `objectives` need (two forward passes when both: an adapter
 * tidies away whatever a layer intervention could capture). The caller tidies.
 */
export function modelOutputs(
  model: ImageClassifier,
  images: tf.Tensor4D,
  objectives: readonly Objective[],
): ObjectiveInputs {
  const layers = [...new Set(objectives.flatMap((objective) => objective.layers))];
  const usesLogits = objectives.some((objective) => objective.usesLogits);
  if (layers.length === 0) return { logits: model.logits(images), activations: {} };
  const outputs = (model.activations as NonNullable<ImageClassifier['activations']>)(images, layers);
  const activations = Object.fromEntries(layers.map((layer, index) => [layer, outputs[index] as tf.Tensor]));
  return usesLogits ? { logits: model.logits(images), activations } : { activations };
}
