/** Every backend netlens can select. */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu', 'node-webgpu', 'node', 'node-gpu'] as const;

/** A backend netlens can select: browser (`webgpu`, `webgl`), anywhere (`wasm`, `cpu`), Node (`node-webgpu`, `node`, `node-gpu`). */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The order `'auto'` tries in browsers: GPU first, then the fast CPU path. */
export const BROWSER_AUTO_ORDER: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

/**
 * The order `'auto'` tries in Node: native TensorFlow (CUDA, then CPU), a hardware WebGPU adapter
 * through Dawn, then wasm, then cpu. A software WebGPU adapter is skipped by `'auto'` because it is
 * slower than wasm.
 */
export const NODE_AUTO_ORDER: readonly BackendName[] = ['node-gpu', 'node', 'node-webgpu', 'wasm', 'cpu'];

/** True when `value` names a backend netlens knows. */
export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}
