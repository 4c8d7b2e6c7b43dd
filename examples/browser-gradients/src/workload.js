// The conv net both sides run: the page on webgpu/webgl/wasm, and the runner on cpu in Node.
// Plain JS so Vite and plain Node import the same file.
import { fromFunction } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

function seeded(size, seed, scale) {
  let state = seed >>> 0;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5) * 2 * scale;
  }
  return values;
}

/**
 * Input gradient of a small conv net with the layer kinds SqueezeNet uses (strided conv, ReLU, 3×3/2
 * max pool, 1×1 and 3×3 branches joined by concat, global mean, dense), for a seeded batch.
 * @returns the gradient as a plain array, plus its shape.
 */
export async function convNetGradient() {
  const w = {
    conv1: tf.tensor4d(seeded(3 * 3 * 3 * 8, 1, 0.5), [3, 3, 3, 8]),
    squeeze: tf.tensor4d(seeded(8 * 4, 2, 0.5), [1, 1, 8, 4]),
    expand1: tf.tensor4d(seeded(4 * 8, 3, 0.5), [1, 1, 4, 8]),
    expand3: tf.tensor4d(seeded(3 * 3 * 4 * 8, 4, 0.3), [3, 3, 4, 8]),
    dense: tf.tensor2d(seeded(16 * 10, 5, 0.5), [16, 10]),
    bias: tf.tensor1d(seeded(8, 6, 0.1)),
  };
  const classifier = fromFunction(
    (x) => {
      let h = tf.relu(tf.add(tf.conv2d(x, w.conv1, 2, 'same'), w.bias));
      h = tf.maxPool(h, 3, 2, 'valid');
      const s = tf.relu(tf.conv2d(h, w.squeeze, 1, 'valid'));
      h = tf.concat(
        [tf.relu(tf.conv2d(s, w.expand1, 1, 'valid')), tf.relu(tf.conv2d(s, w.expand3, 1, 'same'))],
        3,
      );
      return tf.matMul(tf.mean(h, [1, 2]), w.dense);
    },
    { inputShape: [32, 32, 3], numClasses: 10, preprocess: 'imagenet' },
  );
  const images = tf.tensor4d(
    seeded(2 * 32 * 32 * 3, 7, 0.5).map((v) => v + 0.5),
    [2, 32, 32, 3],
  );
  const targets = tf.oneHot([3, 7], 10);
  const before = tf.memory().numTensors;
  const gradient = tf.grad((x) => tf.sum(tf.mul(classifier.logits(x), targets)))(images);
  const values = Array.from(await gradient.data());
  gradient.dispose();
  const leaked = tf.memory().numTensors - before;
  tf.dispose([images, targets, ...Object.values(w)]);
  return { values, shape: [2, 32, 32, 3], leaked };
}
