// Side-effect entry: the WebGPU backend in browsers plus netlens' gradient registrations.
import '../gradients';
import { isNode } from '../internal/optional-import';
import { navigatorGpu, registerWebGPU } from '../internal/webgpu-registration';
import type { PreparedRuntime } from './runtime';

/** Imports tfjs-backend-webgpu once `navigator.gpu` is known to exist and an adapter is available. */
export async function prepare(): Promise<PreparedRuntime> {
  if (isNode() && !navigatorGpu()) {
    throw new Error("the 'webgpu' entry is for browsers; in Node select 'node-webgpu' (Dawn)");
  }
  const { detail, software } = await registerWebGPU(() => import('@tensorflow/tfjs-backend-webgpu'));
  return { tfjsName: 'webgpu', detail, software };
}
