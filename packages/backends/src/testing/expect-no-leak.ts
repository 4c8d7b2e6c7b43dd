import * as tf from '@tensorflow/tfjs-core';
import { derivedTensorCount } from '../wasm/internal-derived-cache';

/** The backend's data ids, less the filter copies wasm keeps for as long as their filters live. */
function backendDataIds(): number {
  const backend = tf.engine().backend;
  return backend.numDataIds() - derivedTensorCount(backend);
}

/**
 * Runs `body` and throws if it leaves more (or fewer) tensors alive than before, on the active backend.
 * Also checks the backend's own data count, which catches leaks inside kernels (the wasm kernels'
 * cached filter copies excepted: they are freed with their filters).
 *
 * ```ts
 * await expectNoLeak(() => { const map = vanillaGradient(model, images); map.dispose(); });
 * ```
 * @param body - the work to check; tensors it returns count as leaked unless disposed.
 * @returns what `body` returned.
 */
export async function expectNoLeak<T>(body: () => T | Promise<T>): Promise<T> {
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = backendDataIds();
  const result = await body();
  const tensorsAfter = tf.memory().numTensors;
  const dataAfter = backendDataIds();
  if (tensorsAfter !== tensorsBefore) {
    throw new Error(
      `Tensor leak on '${tf.getBackend()}': ${tensorsBefore} tensors before, ${tensorsAfter} after (${tensorsAfter - tensorsBefore > 0 ? '+' : ''}${tensorsAfter - tensorsBefore}).`,
    );
  }
  if (dataAfter !== dataBefore) {
    throw new Error(
      `Backend data leak on '${tf.getBackend()}': ${dataBefore} data ids before, ${dataAfter} after.`,
    );
  }
  return result;
}
