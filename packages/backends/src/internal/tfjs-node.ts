import * as tf from '@tensorflow/tfjs-core';
import type { PreparedRuntime } from '../runtimes/runtime';
import { importOptional, isNode } from './optional-import';

/**
 * Loads `@tensorflow/tfjs-node` or `-node-gpu` (optional peers that download libtensorflow when
 * installed) and reports why not when it cannot.
 */
export async function prepareTfjsNode(packageName: string): Promise<PreparedRuntime> {
  if (!isNode()) throw new Error(`${packageName} runs only in Node.js`);
  let loaded: Record<string, unknown> | undefined;
  try {
    loaded = await importOptional(packageName);
  } catch (error) {
    const message = String((error as Error).message ?? error).split('\n')[0];
    throw new Error(`${packageName} is installed but failed to load: ${message}`, { cause: error });
  }
  if (!loaded) {
    throw new Error(
      `${packageName} is not installed (npm install ${packageName}; its install script downloads libtensorflow)`,
    );
  }
  if (!tf.findBackendFactory('tensorflow')) {
    throw new Error(
      `${packageName} loaded but registered no 'tensorflow' backend with this copy of @tensorflow/tfjs-core ` +
        '(install the same version of every @tensorflow package)',
    );
  }
  return { tfjsName: 'tensorflow', detail: `libtensorflow through ${packageName}` };
}
