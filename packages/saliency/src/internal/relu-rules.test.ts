import { fromFunction, fromLayersModel, type ImageClassifier } from '@netlens/backends';
import {
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect, it } from 'vitest';
import { deconvnet } from '../deconvnet';
import { guidedBackprop } from '../guided-backprop';
import { vanillaGradient } from '../vanilla-gradient';

const SHAPE = [2, 2, 4] as const;
const PIXELS = 16;
const HIDDEN = 40;
const CLASSES = 3;

/** One network, x → W1 → ReLU6 → W2, written in every way tfjs users write ReLU6. */
function createSpellings(w1: tf.Tensor2D, w2: tf.Tensor2D) {
  const options = { inputShape: SHAPE, numClasses: CLASSES };
  const flat = (x: tf.Tensor4D) => tf.reshape(x, [x.shape[0], PIXELS]) as tf.Tensor2D;
  const layersModel = (activation: tfl.layers.Layer | undefined, denseActivation?: 'relu6') => {
    const model = tfl.sequential();
    model.add(tfl.layers.flatten({ inputShape: [...SHAPE] }));
    model.add(tfl.layers.dense({ units: HIDDEN, useBias: false, activation: denseActivation }));
    if (activation) model.add(activation);
    model.add(tfl.layers.dense({ units: CLASSES, useBias: false }));
    model.setWeights([w1, w2]);
    return model;
  };
  const models = [
    layersModel(tfl.layers.reLU({ maxValue: 6 })),
    layersModel(tfl.layers.activation({ activation: 'relu6' })),
    layersModel(undefined, 'relu6'),
  ];
  const spellings: Record<string, ImageClassifier> = {
    'tf.relu6 (Relu6 kernel, as in GraphModels)': fromFunction(
      (x) => tf.tidy(() => tf.matMul(tf.relu6(tf.matMul(flat(x), w1)), w2)),
      options,
    ),
    'tf.fused.matMul with relu6': fromFunction(
      (x) => tf.tidy(() => tf.matMul(tf.fused.matMul({ a: flat(x), b: w1, activation: 'relu6' }), w2)),
      options,
    ),
    'Keras ReLU({maxValue: 6}) (Relu then ClipByValue)': fromLayersModel(models[0] as tfl.LayersModel),
    "activation layer 'relu6' (Relu then Minimum)": fromLayersModel(models[1] as tfl.LayersModel),
    "Dense({activation: 'relu6'}) (fused, Relu6 under a tape)": fromLayersModel(models[2] as tfl.LayersModel),
  };
  return {
    spellings,
    dispose: () => {
      for (const model of models) model.dispose();
    },
  };
}

async function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const difference = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const [value] = await difference.data();
  difference.dispose();
  return value as number;
}

describeOnBackends('ReLU rules on every spelling of ReLU6', () => {
  it('give the same guided and deconvnet maps, the hand-computed ones, unlike the plain gradient', async () => {
    // W1 is scaled so that about a quarter of the pre-activations exceed 6.
    const w1 = tf.tidy(() =>
      tf.mul(tf.tensor2d(seededValues(PIXELS * HIDDEN, 41, -1, 1), [PIXELS, HIDDEN]), 5),
    ) as tf.Tensor2D;
    const w2 = tf.tensor2d(seededValues(HIDDEN * CLASSES, 42, -1, 1), [HIDDEN, CLASSES]);
    const images = tf.tensor4d(seededValues(4 * PIXELS, 43, 0, 1), [4, ...SHAPE]);
    const targets = [0, 1, 2, 1];
    const { spellings, dispose } = createSpellings(w1, w2);
    await expectNoLeak(async () => {
      const h = tf.tidy(() => tf.matMul(tf.reshape(images, [4, PIXELS]), w1));
      const saturatedTensor = tf.tidy(() => tf.mean(tf.cast(tf.greater(h, 6), 'float32')));
      const [saturated] = await saturatedTensor.data();
      expect(saturated).toBeGreaterThan(0.15);
      expect(saturated).toBeLessThan(0.35);
      // Guided: dx = (relu(dy) · [0 < h ≤ 6]) · W1ᵀ; deconvnet: dx = (relu(dy) · [h ≤ 6]) · W1ᵀ, dy = e_y · W2ᵀ.
      const expected = tf.tidy(() => {
        const dy = tf.matMul(tf.oneHot(tf.tensor1d(targets, 'int32'), CLASSES), w2, false, true);
        const belowCap = tf.cast(tf.lessEqual(h, 6), 'float32');
        const back = (signal: tf.Tensor) => tf.reshape(tf.matMul(signal, w1, false, true), images.shape);
        return {
          guided: back(tf.mul(tf.mul(tf.relu(dy), tf.step(h)), belowCap)),
          deconvnet: back(tf.mul(tf.relu(dy), belowCap)),
        };
      });
      for (const [name, classifier] of Object.entries(spellings)) {
        const guided = await guidedBackprop(classifier, images, { target: targets });
        const deconv = await deconvnet(classifier, images, { target: targets });
        const vanilla = await vanillaGradient(classifier, images, {
          target: targets,
          abs: false,
          channelReduction: 'none',
        });
        for (const [rule, map] of [
          ['guided', guided],
          ['deconvnet', deconv],
        ] as const) {
          await expectTensorsClose(map, expected[rule]).catch((error: Error) => {
            throw new Error(`${name}, ${rule}: ${error.message}`);
          });
        }
        expect(await maxAbsDifference(guided, vanilla), name).toBeGreaterThan(0.1);
        tf.dispose([guided, deconv, vanilla]);
      }
      tf.dispose([h, saturatedTensor, expected.guided, expected.deconvnet]);
    });
    dispose();
    tf.dispose([w1, w2, images]);
  });
});
