import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier, LayerIntervention } from './contract/image-classifier';
import { type Preprocess, resolvePreprocess } from './contract/preprocess';
import { ensureGradientOverrides } from './ensure-gradient-overrides';
import { InvalidArgumentError } from './errors';
import { type ClassifierOptions, checkClassNames, checkLayerNames } from './internal/classifier-options';
import { assertImageBatchShape } from './validate-images';

/** Options for {@link fromFunction}. */
export interface FromFunctionOptions extends ClassifierOptions {
  /** `[height, width, channels]` of one image; `null` for any spatial size. */
  inputShape: readonly [number | null, number | null, number];
  /** Number of classes the function returns scores for. */
  numClasses: number;
  /** Preprocessing from `[0, 1]` pixels to what the function expects. Default `'none'`. */
  preprocess?: Preprocess;
  /**
   * Optional layer access: runs the network on preprocessed images, applying `interventions` to
   * the named layers, and returns the logits plus the outputs of `outputs` layers.
   */
  layers?: {
    names: readonly string[];
    run(
      preprocessed: tf.Tensor4D,
      outputs: readonly string[],
      interventions: Readonly<Record<string, LayerIntervention>>,
    ): { logits: tf.Tensor2D; activations: tf.Tensor[] };
  };
}

/**
 * Wraps any differentiable function of an image batch as an {@link ImageClassifier}.
 *
 * ```ts
 * const classifier = fromFunction((x) => tf.matMul(tf.reshape(x, [-1, 784]), weights), {
 *   inputShape: [28, 28, 1],
 *   numClasses: 10,
 * });
 * ```
 * @param logits - maps preprocessed `[N, H, W, C]` images to `[N, numClasses]` unnormalised scores.
 * @param options - shapes, class names, preprocessing and optional layer access.
 * @returns a classifier that validates its inputs and outputs.
 */
export function fromFunction(
  logits: (preprocessed: tf.Tensor4D) => tf.Tensor2D,
  options: FromFunctionOptions,
): ImageClassifier {
  const { inputShape, numClasses } = options;
  if (typeof logits !== 'function') {
    throw new InvalidArgumentError('logits', 'a function of an image batch', typeof logits);
  }
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new InvalidArgumentError('options.numClasses', 'a positive integer', String(numClasses));
  }
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !Number.isInteger(inputShape[2])) {
    throw new InvalidArgumentError(
      'options.inputShape',
      '[height, width, channels]',
      JSON.stringify(inputShape),
    );
  }
  const preprocess = resolvePreprocess(options.preprocess, inputShape[2]);
  const classNames = checkClassNames(options.classNames, numClasses);
  const layers = options.layers;

  const checkedLogits = (output: tf.Tensor, batch: number): tf.Tensor2D => {
    if (output.rank !== 2 || output.shape[0] !== batch || output.shape[1] !== numClasses) {
      throw new InvalidArgumentError(
        'logits',
        `a function returning [${batch}, ${numClasses}] scores`,
        `shape [${output.shape}]`,
      );
    }
    return output as tf.Tensor2D;
  };

  const classifier: ImageClassifier = {
    specificationVersion: 'v1',
    inputShape: Object.freeze([...inputShape]) as ImageClassifier['inputShape'],
    numClasses,
    ...(classNames ? { classNames } : {}),
    layerNames: Object.freeze([...(layers?.names ?? [])]),
    logits(images) {
      assertImageBatchShape(images, inputShape);
      // The tape reads each kernel's gradient as the forward pass records it.
      ensureGradientOverrides();
      return tf.tidy(() => checkedLogits(logits(preprocess(images)), images.shape[0]));
    },
  };
  if (layers === undefined) return classifier;
  return {
    ...classifier,
    activations(images, layerNames) {
      assertImageBatchShape(images, inputShape);
      checkLayerNames(layerNames, layers.names);
      ensureGradientOverrides();
      return tf.tidy(() => {
        const { logits: scores, activations } = layers.run(preprocess(images), layerNames, {});
        scores.dispose();
        return activations;
      });
    },
    logitsWithInterventions(images, interventions) {
      assertImageBatchShape(images, inputShape);
      checkLayerNames(Object.keys(interventions), layers.names);
      ensureGradientOverrides();
      return tf.tidy(() =>
        checkedLogits(layers.run(preprocess(images), [], interventions).logits, images.shape[0]),
      );
    },
  };
}
