import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from '../contract/image-classifier';
import { NetlensError } from '../errors';
import { fromFunction } from '../from-function';
import { createTinyConvNet, TINY_INPUT_SHAPE, TINY_NUM_CLASSES } from './tiny-models';

/** A model that breaks on a chosen forward pass, and how many passes it has seen. */
export interface FailingModel {
  classifier: ImageClassifier;
  /** Forward passes so far (logits, activations and interventions alike). */
  readonly calls: number;
  /** Frees the weights. */
  dispose(): void;
}

/**
 * The tiny conv net ({@link createTinyConvNet}, with tappable layers) that, from its `failAt`-th
 * forward pass on (counting from 1), returns logits of the wrong width, after the whole network has
 * run. Its adapter then throws `InvalidArgumentError('logits')`, as a real model with a wrong head
 * does — inside `tf.grad` when the pass is a gradient's, so every tensor the tape saved for the
 * backward pass must be freed by the algorithm. A failing pass that asks for layer outputs throws
 * `NetlensError('UNSUPPORTED_MODEL')` after running the network. `'nan'` instead makes the logits NaN from that pass.
 *
 * ```ts
 * const failing = createFailingModel(2); // the first pass (target resolution) works, the gradient's fails
 * await expect(vanillaGradient(failing.classifier, images)).rejects.toThrow(InvalidArgumentError);
 * ```
 * @param failAt - the first forward pass that fails, from 1.
 * @param mode - `'throw'` (wrong logits width, default) or `'nan'` (NaN logits).
 */
export function createFailingModel(failAt: number, mode: 'throw' | 'nan' = 'throw'): FailingModel {
  const tiny = createTinyConvNet(2);
  const inner = tiny.classifier;
  let calls = 0;
  const run = (
    x: tf.Tensor4D,
    outputs: readonly string[],
    interventions: Readonly<Record<string, (activation: tf.Tensor) => tf.Tensor>>,
  ) => {
    calls += 1;
    const logits = (inner.logitsWithInterventions as NonNullable<ImageClassifier['logitsWithInterventions']>)(
      x,
      interventions,
    );
    const activations = outputs.length > 0 ? (inner.activations?.(x, outputs) ?? []) : [];
    if (calls < failAt) return { logits, activations };
    if (outputs.length > 0 && mode === 'throw') {
      // Layer outputs have no shape check to fail, so this pass fails the way a broken layer would.
      throw new NetlensError('UNSUPPORTED_MODEL', `The test model failed on forward pass ${calls}.`);
    }
    const broken = mode === 'nan' ? tf.add(logits, Number.NaN) : tf.concat([logits, tf.relu(logits)], 1);
    return { logits: broken as tf.Tensor2D, activations };
  };
  const classifier = fromFunction((x) => run(x, [], {}).logits, {
    inputShape: TINY_INPUT_SHAPE,
    numClasses: TINY_NUM_CLASSES,
    layers: { names: inner.layerNames, run },
  });
  return {
    classifier,
    get calls() {
      return calls;
    },
    dispose: tiny.dispose,
  };
}
