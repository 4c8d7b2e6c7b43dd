// Runs the wasm-threads test workload in a fresh plain-Node process and prints
// `{ threads, reason, matMul, conv2d }` as JSON, the outputs as base64 float32 bytes.
//
//   node wasm-workload.mjs '<workload JSON>' [URL of a compiled enable-node-threads module]
//
// Without the module URL it measures tfjs's default single-threaded build; with it, it enables
// threads first. Either way the process must exit on its own once the work is done.

import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';

const [workloadJson, enableUrl] = process.argv.slice(2);
const workload = JSON.parse(workloadJson);

let reason = 'tfjs default';
if (enableUrl !== undefined) {
  const { enableWasmThreadsInNode } = await import(enableUrl);
  ({ reason } = await enableWasmThreadsInNode());
}
if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');

const { matMul, conv2d } = workload;
const outputs = tf.tidy(() => {
  const a = tf.randomUniform(matMul.a, -1, 1, 'float32', matMul.seeds[0]);
  const b = tf.randomUniform(matMul.b, -1, 1, 'float32', matMul.seeds[1]);
  const x = tf.randomUniform(conv2d.x, -1, 1, 'float32', conv2d.seeds[0]);
  const filter = tf.randomUniform(conv2d.filter, -1, 1, 'float32', conv2d.seeds[1]);
  return [tf.matMul(a, b), tf.conv2d(x, filter, conv2d.strides, conv2d.pad)];
});
const [matMulValues, convValues] = await Promise.all(outputs.map((tensor) => tensor.data()));
tf.dispose(outputs);

const base64 = (values) =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
process.stdout.write(
  JSON.stringify({
    threads: getThreadsCount(),
    reason,
    matMul: base64(matMulValues),
    conv2d: base64(convValues),
  }),
);
