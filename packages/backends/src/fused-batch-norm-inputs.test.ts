import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describe, expect, it } from 'vitest';
import { fromLayersModel } from './from-layers-model';
import { installFusedBatchNormInputs, uninstallFusedBatchNormInputs } from './fused-batch-norm-inputs';
import { selectBackend } from './select-backend';
import {
  checkGradient,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
} from './testing/index';

const CHANNELS = 3;
const EPSILON = 1e-3;

/** Per-channel statistics and affine parameters with seeded values (variance positive). */
function parameters() {
  return {
    mean: tf.tensor1d(seededValues(CHANNELS, 51, -0.5, 0.5)),
    variance: tf.tensor1d(seededValues(CHANNELS, 52, 0.3, 2)),
    offset: tf.tensor1d(seededValues(CHANNELS, 53, -0.4, 0.4)),
    scale: tf.tensor1d(seededValues(CHANNELS, 54, 0.5, 1.5)),
  };
}

type Present = { offset: boolean; scale: boolean };
const CASES: readonly Present[] = [
  { offset: true, scale: false },
  { offset: false, scale: false },
  { offset: false, scale: true },
  { offset: true, scale: true },
];

/** `(x − mean) / sqrt(variance + ε) · scale + offset` in elementary ops, tfjs differentiates each. */
function explicitBatchNorm(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  offset?: tf.Tensor,
  scale?: tf.Tensor,
): tf.Tensor {
  let y = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPSILON)));
  if (scale) y = tf.mul(y, scale);
  return offset ? tf.add(y, offset) : y;
}

describeOnBackends('FusedBatchNorm without scale or offset under tf.grad', () => {
  it('gives the gradients of x, mean, variance and the affine parameters present, as explicit ops do', async () => {
    const p = parameters();
    const x = tf.tensor4d(seededValues(2 * 3 * 4 * CHANNELS, 55, -2, 2), [2, 3, 4, CHANNELS]);
    // A weighting of both signs, so every gradient term matters.
    const weights = tf.tensor4d(seededValues(2 * 3 * 4 * CHANNELS, 56, -1, 1), [2, 3, 4, CHANNELS]);
    await expectNoLeak(async () => {
      for (const present of CASES) {
        const offset = present.offset ? p.offset : undefined;
        const scale = present.scale ? p.scale : undefined;
        const wrt = [x, p.mean, p.variance, ...(offset ? [offset] : []), ...(scale ? [scale] : [])];
        const unpack = (inputs: tf.Tensor[]) => {
          const [xi, mean, variance, ...rest] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, ...tf.Tensor[]];
          const offsetValue = offset ? rest.shift() : undefined;
          const scaleValue = scale ? rest.shift() : undefined;
          return { xi, mean, variance, offsetValue, scaleValue };
        };
        const fused = tf.grads((...inputs: tf.Tensor[]) => {
          const { xi, mean, variance, offsetValue, scaleValue } = unpack(inputs);
          return tf.sum(tf.mul(tf.batchNorm(xi, mean, variance, offsetValue, scaleValue, EPSILON), weights));
        })(wrt);
        const explicit = tf.grads((...inputs: tf.Tensor[]) => {
          const { xi, mean, variance, offsetValue, scaleValue } = unpack(inputs);
          return tf.sum(tf.mul(explicitBatchNorm(xi, mean, variance, offsetValue, scaleValue), weights));
        })(wrt);
        expect(fused).toHaveLength(wrt.length);
        for (let i = 0; i < wrt.length; i++) {
          await expectTensorsClose(fused[i] as tf.Tensor, explicit[i] as tf.Tensor).catch((error: Error) => {
            throw new Error(`${JSON.stringify(present)}, input ${i}: ${error.message}`);
          });
        }
        tf.dispose([...fused, ...explicit]);
      }
    });
    tf.dispose([...Object.values(p), x, weights]);
  });

  it('passes a numeric gradient check without a scale', async () => {
    const p = parameters();
    const x = tf.tensor4d(seededValues(1 * 2 * 2 * CHANNELS, 57, -2, 2), [1, 2, 2, CHANNELS]);
    const weights = tf.tensor4d(seededValues(1 * 2 * 2 * CHANNELS, 58, -1, 1), [1, 2, 2, CHANNELS]);
    await expectNoLeak(async () => {
      await checkGradient(
        (input: tf.Tensor4D) =>
          tf.sum(
            tf.mul(tf.square(tf.batchNorm(input, p.mean, p.variance, p.offset, undefined, EPSILON)), weights),
          ),
        x,
      );
    });
    tf.dispose([...Object.values(p), x, weights]);
  });

  it('differentiates a Keras-style conv, BatchNormalization(scale=False), ReLU LayersModel', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: CHANNELS, kernelSize: 3, useBias: false }),
        tfl.layers.batchNormalization({ scale: false, epsilon: EPSILON }),
        tfl.layers.reLU(),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: 4 }),
      ],
    });
    const p = parameters();
    const kernel = tf.tensor4d(seededValues(3 * 3 * 2 * CHANNELS, 59, -0.5, 0.5), [3, 3, 2, CHANNELS]);
    const dense = tf.tensor2d(seededValues(4 * 4 * CHANNELS * 4, 60, -0.5, 0.5), [4 * 4 * CHANNELS, 4]);
    const denseBias = tf.tensor1d(seededValues(4, 61, -0.1, 0.1));
    // Keras BatchNormalization(scale=False) holds beta, the moving mean and the moving variance.
    model.layers[0]?.setWeights([kernel]);
    model.layers[1]?.setWeights([p.offset, p.mean, p.variance]);
    model.layers[4]?.setWeights([dense, denseBias]);
    const classifier = fromLayersModel(model);
    const images = tf.tensor4d(seededValues(2 * 6 * 6 * 2, 62, 0, 1), [2, 6, 6, 2]);
    await expectNoLeak(async () => {
      const score = (input: tf.Tensor) =>
        tf.sum(tf.slice(classifier.logits(input as tf.Tensor4D), [0, 1], [2, 1]));
      const explicitScore = (input: tf.Tensor) => {
        const h = tf.relu(
          explicitBatchNorm(
            tf.conv2d(input as tf.Tensor4D, kernel, 1, 'valid'),
            p.mean,
            p.variance,
            p.offset,
          ),
        );
        const logits = tf.add(tf.matMul(tf.reshape(h, [2, -1]), dense), denseBias);
        return tf.sum(tf.slice(logits, [0, 1], [2, 1]));
      };
      const gradient = tf.grad(score)(images);
      const expected = tf.grad(explicitScore)(images);
      await expectTensorsClose(gradient, expected);
      tf.dispose([gradient, expected]);
    });
    model.dispose();
    tf.dispose([...Object.values(p), kernel, dense, denseBias, images]);
  });

  it('computes the same forward values with and without a tape', async () => {
    const p = parameters();
    const x = tf.tensor4d(seededValues(1 * 2 * 2 * CHANNELS, 63, -2, 2), [1, 2, 2, CHANNELS]);
    await expectNoLeak(async () => {
      const plain = tf.batchNorm(x, p.mean, p.variance, undefined, undefined, EPSILON);
      let taped: tf.Tensor | undefined;
      const gradient = tf.grad((input: tf.Tensor) => {
        const y = tf.batchNorm(input, p.mean, p.variance, undefined, undefined, EPSILON);
        taped = tf.keep(y.clone());
        return tf.sum(y);
      })(x);
      await expectTensorsClose(taped as tf.Tensor, plain, { rtol: 0, atol: 0 });
      tf.dispose([plain, taped as tf.Tensor, gradient]);
    });
    tf.dispose([...Object.values(p), x]);
  });
});

describe('FusedBatchNorm without scale, stock tfjs', () => {
  it('fails under tf.grad without netlens filling the missing inputs (tensorflow/tfjs#2868)', async () => {
    await selectBackend('cpu', { readEnvironment: false });
    const p = parameters();
    const x = tf.ones([1, 2, 2, CHANNELS]);
    uninstallFusedBatchNormInputs();
    try {
      expect(() =>
        tf.grad((input: tf.Tensor) => tf.sum(tf.batchNorm(input, p.mean, p.variance, p.offset, undefined)))(
          x,
        ),
      ).toThrow(/reading 'dataId'/);
    } finally {
      installFusedBatchNormInputs();
    }
    const gradient = tf.grad((input: tf.Tensor) =>
      tf.sum(tf.batchNorm(input, p.mean, p.variance, p.offset, undefined)),
    )(x);
    expect(gradient.shape).toEqual(x.shape);
    tf.dispose([...Object.values(p), x, gradient]);
  });
});
