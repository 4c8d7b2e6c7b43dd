// A host program that starts the wasm backend and then fails on its own, in a fresh plain-Node
// process:
//
//   node host-failure.mjs <throw|reject> [URL of the compiled netlens wasm runtime]
//
// With the runtime URL it starts wasm the netlens way (the runtime entry, then tf.setBackend);
// without it, through tfjs-backend-wasm alone. Node must then fail the way it always does.

import * as tf from '@tensorflow/tfjs-core';

const [mode, runtimeUrl] = process.argv.slice(2);
if (runtimeUrl === undefined) {
  await import('@tensorflow/tfjs-backend-wasm');
} else {
  const runtime = await import(runtimeUrl);
  await runtime.prepare({ wasmThreads: false });
}
if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
tf.tidy(() => tf.sum(tf.ones([4])).dataSync());

if (mode === 'throw') {
  setTimeout(() => {
    throw new Error('the host program failed on its own');
  }, 0);
} else {
  Promise.reject(new Error('the host program rejected on its own'));
}
