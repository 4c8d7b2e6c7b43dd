// The same check from a CommonJS script: the package's `require` build registers gradients too.
const assert = require('node:assert/strict');
const { selectBackend } = require('@netlens/backends');
const tf = require('@tensorflow/tfjs-core');

(async () => {
  await selectBackend('cpu', { readEnvironment: false });
  const gradient = tf.grad((x) => tf.sum(tf.mul(tf.maxPool(x, 2, 2, 'valid'), 3)))(
    tf.tensor4d([1, 5, 2, 3], [1, 2, 2, 1]),
  );
  assert.deepEqual(Array.from(gradient.dataSync()), [0, 3, 0, 0]);
  console.log('plain-node CJS: gradients work on cpu');
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
