// Proves gradients work from a plain Node ESM script against the built package, with
// @tensorflow/tfjs-core alone (no @tensorflow/tfjs union, no bundler, no vitest).
import assert from 'node:assert/strict';
import { fromFunction, fusedConv2d, selectBackend } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

let checks = 0;
for (const backend of ['cpu', 'wasm']) {
  const chosen = await selectBackend(backend, { readEnvironment: false });
  assert.equal(chosen.name, backend);
  const weights = tf.tensor4d([1, -1, 2, 0.5], [2, 2, 1, 1]);
  const classifier = fromFunction(
    (x) => tf.reshape(tf.relu(tf.conv2d(x, weights, 1, 'valid')), [x.shape[0], -1]),
    { inputShape: [3, 3, 1], numClasses: 4 },
  );
  const before = tf.memory().numTensors;
  const x = tf.tensor4d([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], [1, 3, 3, 1]);
  const gradient = tf.grad((input) => tf.sum(classifier.logits(input)))(x);
  // Every output is positive, so d(sum)/dx is the kernel summed over the windows covering x.
  const expected = [1, 0, -1, 3, 2.5, -0.5, 2, 2.5, 0.5];
  assert.deepEqual(
    Array.from(gradient.dataSync()).map((v) => Math.round(v * 1e6) / 1e6),
    expected,
  );
  // The same through fusedConv2d, which differentiates through the FusedConv2D gradient netlens
  // registers (with a bias of −0.05 every output stays positive, so the gradient is unchanged).
  const bias = tf.tensor1d([-0.05]);
  const fused = tf.grad((input) =>
    tf.sum(fusedConv2d({ x: input, filter: weights, bias, pad: 'valid', activation: 'relu' })),
  )(x);
  assert.deepEqual(
    Array.from(fused.dataSync()).map((v) => Math.round(v * 1e6) / 1e6),
    expected,
  );
  // Keras BatchNormalization(scale=False) runs FusedBatchNorm without a scale, which stock tfjs
  // cannot differentiate: dy/dx = 1 / sqrt(variance + epsilon) = 1 / sqrt(3 + 1) per element.
  const mean = tf.tensor1d([1]);
  const variance = tf.tensor1d([3]);
  const offset = tf.tensor1d([0.5]);
  const weighting = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 3, 3, 1]);
  const batchNorm = tf.grad((input) =>
    tf.sum(tf.mul(tf.batchNorm(input, mean, variance, offset, undefined, 1), weighting)),
  )(x);
  assert.deepEqual(Array.from(batchNorm.dataSync()), [0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]);
  tf.dispose([x, gradient, bias, fused, mean, variance, offset, weighting, batchNorm]);
  assert.equal(tf.memory().numTensors, before, `no leak on ${backend}`);
  weights.dispose();
  checks++;
}

// `@tensorflow/tfjs-layers` registers tfjs' stock gradients again when imported, the AvgPool one
// (wrong for SAME windows that overhang the input) included; a netlens classifier puts netlens' back.
await import('@tensorflow/tfjs-layers');
await selectBackend('cpu', { readEnvironment: false });
const pooled = fromFunction((x) => tf.reshape(tf.avgPool(x, 3, 1, 'same'), [x.shape[0], -1]), {
  inputShape: [3, 3, 1],
  numClasses: 9,
});
const ones = tf.ones([1, 3, 3, 1]);
const poolGradient = tf.grad((input) => tf.sum(pooled.logits(input)))(ones);
// The centre pixel lies in all nine windows: 4 corners of 4 pixels, 4 edges of 6, the centre of 9.
// tfjs' stock gradient divides each by the full 9 and gives 1.
const centre = poolGradient.dataSync()[4];
assert.ok(
  Math.abs(centre - (4 / 4 + 4 / 6 + 1 / 9)) < 1e-6,
  `AvgPool SAME gradient ${centre} after tfjs-layers`,
);
tf.dispose([ones, poolGradient]);
checks++;
console.log(
  `plain-node ESM: gradients work on cpu and wasm, and survive a tfjs-layers import (${checks} checks)`,
);
