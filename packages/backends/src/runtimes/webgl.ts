// Side-effect entry: the WebGL backend (browsers) plus netlens' gradient registrations.
import '../gradients';
import '@tensorflow/tfjs-backend-webgl';
import { installWebGLMaxPoolGrad } from '../webgl/max-pool-grad';
import type { PreparedRuntime } from './runtime';

// tfjs-backend-webgl's MaxPoolGrad sends a tie to the last maximum; every other backend (and
// PyTorch) to the first.
installWebGLMaxPoolGrad();

/** Checks that a WebGL context can exist here (the backend itself initialises in `tf.setBackend`). */
export async function prepare(): Promise<PreparedRuntime> {
  if (typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
    throw new Error('WebGL needs a browser (no document or OffscreenCanvas in this runtime)');
  }
  return { tfjsName: 'webgl', detail: 'WebGL 2 shaders' };
}
