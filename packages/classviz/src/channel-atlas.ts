import { assertClassifier, type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { resolveImageShape } from './internal/model-input';
import { assertLayerName } from './internal/validate-options';
import { channel } from './objectives';
import {
  type FeatureVisualizationOptions,
  type FeatureVisualizationResult,
  visualizeFeature,
} from './visualize-feature';

/** Options for {@link channelAtlas}: how many channels, plus everything {@link visualizeFeature} takes. */
export interface ChannelAtlasOptions extends Omit<FeatureVisualizationOptions, 'batchSize'> {
  /** Visualize channels `0 … count − 1`. Default all channels of the layer. */
  count?: number;
}

/**
 * Visualizes the first `count` channels of a layer in one batched optimisation, one image per
 * channel (the filter pictures of tfjs-examples' `visualize-convnet`, Lucid-style). Lay them out
 * with `grid` from `@netlens/image`.
 *
 * ```ts
 * const { images } = await channelAtlas(classifier, 'conv2', { count: 16, numSteps: 256 });
 * const sheet = grid(images, { columns: 8 }); // @netlens/image
 * ```
 * Sources: Olah, Mordvintsev and Schubert 2017, "Feature Visualization" (Distill); tfjs-examples
 * `visualize-convnet/filters.js`.
 * @param model - a classifier with `activations`.
 * @param layer - a name from `model.layerNames`.
 * @param options - `count` and the options of {@link visualizeFeature}.
 * @returns `[count, H, W, C]` images (image `k` maximises channel `k`) and the objective history.
 * @throws InvalidArgumentError for an unknown layer or a count beyond the layer's channels.
 */
export async function channelAtlas(
  model: ImageClassifier,
  layer: string,
  options: ChannelAtlasOptions = {},
): Promise<FeatureVisualizationResult> {
  assertClassifier(model);
  if (typeof model.activations !== 'function') {
    throw new InvalidArgumentError('model', 'a classifier with activations()', 'none');
  }
  assertLayerName(layer, model.layerNames, 'layer');
  const [height, width, channels] = resolveImageShape(model, options.imageSize);
  const probe = tf.tidy(() => {
    const [activation] = (model.activations as NonNullable<ImageClassifier['activations']>)(
      tf.zeros([1, height, width, channels]) as tf.Tensor4D,
      [layer],
    );
    return (activation as tf.Tensor).shape;
  });
  const available = probe.at(-1) as number;
  const { count = available, ...rest } = options;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > available) {
    throw new InvalidArgumentError(
      'options.count',
      `an integer in [1, ${available}] (channels of '${layer}')`,
      String(count),
    );
  }
  return visualizeFeature(
    model,
    Array.from({ length: count }, (_, index) => channel(layer, index)),
    rest,
  );
}
