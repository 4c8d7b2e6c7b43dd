// The same check from a CommonJS script: the package's `require` build registers gradients too.
const assert = require('node:assert/strict');
const { fusedConv2d, selectBackend } = require('@netlens/backends');
const tf = require('@tensorflow/tfjs-core');

(async () => {
  await selectBackend('cpu', { readEnvironment: false });
  const gradient = tf.grad((x) => tf.sum(tf.mul(tf.maxPool(x, 2, 2, 'valid'), 3)))(
    tf.tensor4d([1, 5, 2, 3], [1, 2, 2, 1]),
  );
  assert.deepEqual(Array.from(gradient.dataSync()), [0, 3, 0, 0]);
  // fusedConv2d's registered FusedConv2D gradient: relu passes the 1×1 kernel's 2 where x·2 − 1 > 0.
  const fused = tf.grad((x) =>
    tf.sum(
      fusedConv2d({
        x,
        filter: tf.fill([1, 1, 1, 1], 2),
        bias: tf.tensor1d([-1]),
        pad: 'valid',
        activation: 'relu',
      }),
    ),
  )(tf.tensor4d([0.2, 0.6, 1, -3], [1, 2, 2, 1]));
  assert.deepEqual(Array.from(fused.dataSync()), [0, 2, 2, 0]);
  // FusedBatchNorm without scale (Keras `scale=False`): dy/dx = 1 / sqrt(3 + 1).
  const batchNorm = tf.grad((x) =>
    tf.sum(tf.batchNorm(x, tf.tensor1d([1]), tf.tensor1d([3]), undefined, undefined, 1)),
  )(tf.tensor4d([0.2, 0.6, 1, -3], [1, 2, 2, 1]));
  assert.deepEqual(Array.from(batchNorm.dataSync()), [0.5, 0.5, 0.5, 0.5]);
  console.log('plain-node CJS: gradients work on cpu');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
