import type { Tensor, Tensor2D, Tensor4D } from '@tensorflow/tfjs-core';

/**
 * Replaces a layer's output with a function of itself during one forward pass. Layer methods use
 * it to differentiate with respect to an activation (Grad-CAM), or to zero all but chosen units
 * (the deconvnet feature view). The returned tensor must keep the activation's shape.
 */
export type LayerIntervention = (activation: Tensor) => Tensor;

/**
 * The model contract every netlens algorithm consumes, version 1.
 *
 * - Images are always NHWC float32 in pixel space `[0, 1]`; model-specific preprocessing (ImageNet
 *   mean/std, `[-1, 1]` scaling, BGR) happens inside the implementation, in the differentiable graph,
 *   so epsilons, clamps and jitter are pixel units for every model.
 * - `logits` returns unnormalised class scores (no softmax), runs in inference mode (no dropout, batch
 *   norm with moving statistics) and is differentiable with respect to `images`.
 *
 * Build one with {@link fromLayersModel}, {@link fromGraphModel} or {@link fromFunction}.
 *
 * ```ts
 * const classifier = fromLayersModel(await tf.loadLayersModel(url), { preprocess: 'imagenet' });
 * const scores = classifier.logits(images); // [N, numClasses]
 * ```
 */
export interface ImageClassifier {
  /** The version of this contract the implementation follows. */
  readonly specificationVersion: 'v1';
  /** `[height, width, channels]` of one image; `null` for a spatial size the model accepts at any value. */
  readonly inputShape: readonly [number | null, number | null, number];
  /** Number of classes (length of a logits row). */
  readonly numClasses: number;
  /** Human-readable class names, `numClasses` long, when known. */
  readonly classNames?: readonly string[];
  /** Names accepted by `activations` and `logitsWithInterventions`, input to output order. */
  readonly layerNames: readonly string[];
  /**
   * Unnormalised class scores for a batch.
   * @param images - `[N, H, W, C]` float32 in `[0, 1]`.
   * @returns `[N, numClasses]` logits.
   */
  logits(images: Tensor4D): Tensor2D;
  /**
   * Outputs of the named layers for a batch, in the order asked.
   * @param images - `[N, H, W, C]` float32 in `[0, 1]`.
   * @param layerNames - names from `layerNames`.
   */
  activations?(images: Tensor4D, layerNames: readonly string[]): Tensor[];
  /**
   * Logits of a forward pass in which each named layer's output is replaced by
   * `interventions[name](output)`; gradients flow through the replacements.
   */
  logitsWithInterventions?(
    images: Tensor4D,
    interventions: Readonly<Record<string, LayerIntervention>>,
  ): Tensor2D;
}
