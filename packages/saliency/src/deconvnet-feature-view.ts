import {
  explainGradientError,
  gradientScope,
  type ImageClassifier,
  InvalidArgumentError,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertKnownLayer, assertLayerAccess, type LayerAccessClassifier } from './internal/cam-layer';
import { assertChannelReduction, type ChannelReduction, reduceChannels } from './internal/channel-reduction';
import { withReluGradientRule } from './internal/relu-rules';
import { assertValidInput } from './internal/validate-input';

/** Options for {@link deconvnetFeatureView}. */
export interface DeconvnetFeatureViewOptions {
  /**
   * The layer whose units are projected back to pixels, one of `model.layerNames` (a convolution,
   * its ReLU or its max-pool, as in the paper; any layer of rank ≥ 2 works). Required.
   */
  layer: string;
  /**
   * How many of each image's strongest activations of `layer` are kept; every other unit is set to
   * zero before the projection. Default `1`: the single strongest unit, the paper's view of what
   * one feature detects.
   */
  topK?: number;
  /**
   * Restrict the choice to one feature map: the index on the layer's last (channel) axis. The
   * `topK` strongest units of that channel are kept. Default: units of every channel compete.
   */
  channel?: number;
  /** Take `|projection|` before reducing channels. Default `false` (the paper shows it signed). */
  abs?: boolean;
  /**
   * How the pixel channels become one value: `'max'`, `'sum'`, `'l2'`, or `'none'` to keep the
   * `[N, H, W, C]` image of the paper. Default `'none'`.
   */
  channelReduction?: ChannelReduction;
}

/**
 * Zeiler and Fergus' deconvnet view of a layer: for each image, keep the `topK` strongest
 * activations of `layer` (optionally within one `channel`), zero all the others, and project that
 * sparse feature map back to pixel space through the deconvnet attached to the network — max
 * unpooling with the switches recorded in the forward pass, rectification, and transposed
 * convolution with the layer's own filters (flipped), down to the input.
 *
 * The projection is computed as a backward pass: it is the input gradient of
 * `Σ (mask ⊙ A) · A(x)` (so `mask ⊙ A` is the signal injected at the layer) with every `Relu` and
 * `Relu6` passing `relu(dy)` back instead of gating by the forward activation. tfjs' max-pool
 * gradient routes to the recorded switches and the convolution gradient is the transposed
 * convolution, so the result is exactly the paper's reconstruction. The ReLU rule is active only
 * during the backward pass and always restored.
 *
 * ```ts
 * // What the strongest unit of feature map 7 of conv2 responds to, in each image:
 * const view = await deconvnetFeatureView(classifier, images, { layer: 'conv2', channel: 7 });
 * // The nine strongest units of the layer together, one value per pixel:
 * const top9 = await deconvnetFeatureView(classifier, images, { layer: 'pool2', topK: 9, channelReduction: 'max' });
 * ```
 * Source: Zeiler and Fergus 2014, "Visualizing and Understanding Convolutional Networks", §2.1.
 * @param model - a classifier with layer access (`fromFunction` with `layers`, `fromLayersModel`,
 *   `fromGraphModel`).
 * @param images - `[N, H, W, C]` float32 pixels in `[0, 1]`.
 * @param options - layer, number of units kept, channel, absolute value and channel reduction.
 * @returns `[N, H, W, C]` projections (signed), or `[N, H, W, 1]` with a channel reduction; the
 *   caller disposes them.
 * @throws NetlensError `UNSUPPORTED_MODEL` for a model without layer access; InvalidArgumentError
 *   for an unknown `options.layer`, `options.topK` below 1 or above the number of candidate units,
 *   `options.channel` outside the layer's channels, other bad options or images.
 * @throws UnsupportedGradientError when the backend cannot differentiate the model.
 */
export async function deconvnetFeatureView(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: DeconvnetFeatureViewOptions,
): Promise<tf.Tensor4D> {
  assertLayerAccess(model, 'The deconvnet feature view');
  const {
    layer,
    topK = 1,
    channel,
    abs = false,
    channelReduction = 'none',
  }: Partial<DeconvnetFeatureViewOptions> = options ?? {};
  assertKnownLayer(model, layer);
  if (!Number.isInteger(topK) || topK < 1) {
    throw new InvalidArgumentError('options.topK', 'a positive integer', String(topK));
  }
  if (channel !== undefined && (!Number.isInteger(channel) || channel < 0)) {
    throw new InvalidArgumentError('options.channel', 'a non-negative integer', String(channel));
  }
  if (typeof abs !== 'boolean') throw new InvalidArgumentError('options.abs', 'a boolean', String(abs));
  assertChannelReduction(channelReduction);
  await assertValidInput(images, model);

  const signal = tf.tidy(() => {
    const [activation] = model.activations(images, [layer]) as [tf.Tensor];
    return tf.mul(topUnitsMask(activation, layer, topK, channel), activation);
  });
  try {
    return withReluGradientRule('deconvnet', () =>
      tf.tidy(() => {
        const projection = projectSignal(model, layer, signal, images);
        return reduceChannels(abs ? tf.abs(projection) : projection, channelReduction);
      }),
    );
  } catch (error) {
    throw explainGradientError(error);
  } finally {
    signal.dispose();
  }
}

/** `∂/∂x Σ signal · A_layer(x)`: the backward pass that carries `signal` from the layer to pixels. */
function projectSignal(
  model: LayerAccessClassifier,
  layer: string,
  signal: tf.Tensor,
  images: tf.Tensor4D,
): tf.Tensor4D {
  return gradientScope(
    () =>
      tf.grad((x: tf.Tensor) => {
        const [activation] = model.activations(x as tf.Tensor4D, [layer]) as [tf.Tensor];
        return tf.sum(tf.mul(signal, activation));
      })(images) as tf.Tensor4D,
  );
}

/**
 * A 0/1 float mask of `activation`'s shape with ones at each image's `topK` largest units (of
 * `channel` on the last axis only, when given). Validates `channel` and `topK` against the shape.
 */
function topUnitsMask(activation: tf.Tensor, layer: string, topK: number, channel?: number): tf.Tensor {
  if (activation.rank < 2) {
    throw new InvalidArgumentError(
      'options.layer',
      'a layer with a per-image output of rank ≥ 2',
      `'${layer}' with shape [${activation.shape}]`,
    );
  }
  const [batch] = activation.shape as [number];
  const channels = activation.shape[activation.rank - 1] as number;
  const units = activation.size / batch;
  if (channel !== undefined && channel >= channels) {
    throw new InvalidArgumentError(
      'options.channel',
      `a channel index in [0, ${channels - 1}] of '${layer}'`,
      String(channel),
    );
  }
  const candidates = channel === undefined ? units : units / channels;
  if (topK > candidates) {
    throw new InvalidArgumentError(
      'options.topK',
      `at most the ${candidates} units of '${layer}'${channel === undefined ? '' : ` channel ${channel}`}`,
      String(topK),
    );
  }
  let scores = tf.reshape(activation, [batch, units]);
  if (channel !== undefined) {
    // Units of other channels drop below every unit of the chosen one.
    const inChannel = tf.equal(tf.mod(tf.range(0, units, 1, 'int32'), channels), channel);
    scores = tf.where(tf.broadcastTo(inChannel, [batch, units]), scores, tf.sub(tf.min(scores), 1));
  }
  const { indices } = tf.topk(scores, topK);
  // [N, units, topK] comparisons summed over the last axis, rather than a sum over a middle axis
  // (WebGPU transposes the cast booleans with an i32 shader that fails to compile).
  const unitIndex = tf.reshape(tf.range(0, units, 1, 'int32'), [1, units, 1]);
  const mask = tf.sum(tf.cast(tf.equal(tf.expandDims(indices, 1), unitIndex), 'float32'), 2);
  return tf.reshape(mask, activation.shape);
}
