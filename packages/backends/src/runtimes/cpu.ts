// Side-effect entry: the pure-JS cpu backend plus netlens' gradient registrations.
import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import type { PreparedRuntime } from './runtime';

/** Registers nothing more: the cpu backend is ready on import. */
export async function prepare(): Promise<PreparedRuntime> {
  return { tfjsName: 'cpu', detail: 'pure JavaScript kernels (reference, slow for 224-pixel networks)' };
}
