import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  expectNoLeaks,
  expectWasmMatchesCpu,
  seededTensor,
  setupParityBackends,
} from './__fixtures__/parity';

interface Weights {
  conv1: tf.Tensor4D;
  bias1: tf.Tensor1D;
  squeeze: tf.Tensor4D;
  expand1: tf.Tensor4D;
  expand3: tf.Tensor4D;
  dense: tf.Tensor2D;
  denseBias: tf.Tensor1D;
}

function makeWeights(): Weights {
  return {
    conv1: seededTensor<tf.Tensor4D>([3, 3, 3, 8], 81, 0.5),
    bias1: seededTensor<tf.Tensor1D>([8], 82, 0.05),
    squeeze: seededTensor<tf.Tensor4D>([1, 1, 8, 6], 83, 0.5),
    expand1: seededTensor<tf.Tensor4D>([1, 1, 6, 5], 84, 0.5),
    expand3: seededTensor<tf.Tensor4D>([3, 3, 6, 5], 85, 0.3),
    dense: seededTensor<tf.Tensor2D>([10, 4], 86, 0.5),
    denseBias: seededTensor<tf.Tensor1D>([4], 87, 0.05),
  };
}

/**
 * conv 3×3/2 'same' + relu → maxPool 3/2 'valid' → conv 1×1 + relu → concat(conv 1×1, conv 3×3
 * 'same') + relu → mean → dense: a small fire-module network.
 */
function network(x: tf.Tensor4D, w: Weights): tf.Tensor2D {
  const conv1 = tf.fused.conv2d({
    x,
    filter: w.conv1,
    strides: 2,
    pad: 'same',
    bias: w.bias1,
    activation: 'relu',
  });
  const pooled = tf.maxPool(conv1, 3, 2, 'valid');
  const squeezed = tf.relu(tf.conv2d(pooled, w.squeeze, 1, 'valid'));
  const branches = tf.concat(
    [tf.relu(tf.conv2d(squeezed, w.expand1, 1, 'valid')), tf.relu(tf.conv2d(squeezed, w.expand3, 1, 'same'))],
    3,
  );
  const features = tf.mean(branches, [1, 2]) as tf.Tensor2D;
  return tf.add(tf.matMul(features, w.dense), w.denseBias);
}

function scoreOf(x: tf.Tensor4D, w: Weights): tf.Scalar {
  const logits = network(x, w);
  // A float one-hot: an int32 one would be cast with the Tensor method `cast`, which the ESM copy of
  // tfjs-core that `register_all_gradients` loads first under Vitest never wires up.
  const target = tf.tensor2d([0, 1, 0, 0, 0, 0, 0, 1], [2, 4]);
  return tf.sum(tf.mul(logits, target));
}

describe('a small conv net on wasm', () => {
  beforeAll(setupParityBackends);

  it('has the same input gradient (saliency) as tfjs-cpu', async () => {
    await expectNoLeaks(() =>
      expectWasmMatchesCpu(() => {
        const w = makeWeights();
        return tf.grad((x: tf.Tensor) => scoreOf(x as tf.Tensor4D, w))(
          seededTensor<tf.Tensor4D>([2, 33, 33, 3], 88),
        );
      }, 'input gradient'),
    );
  });

  it('has the same weight gradients as tfjs-cpu (needs Conv2DBackpropFilter)', async () => {
    await expectNoLeaks(() =>
      expectWasmMatchesCpu(() => {
        const w = makeWeights();
        const x = seededTensor<tf.Tensor4D>([2, 33, 33, 3], 89);
        const names = Object.keys(w) as (keyof Weights)[];
        const loss = (...values: tf.Tensor[]) => {
          const replaced = Object.fromEntries(
            names.map((name, i) => [name, values[i]]),
          ) as unknown as Weights;
          return scoreOf(x, replaced);
        };
        return tf.grads(loss)(names.map((name) => w[name]));
      }, 'weight gradients'),
    );
  });
});
