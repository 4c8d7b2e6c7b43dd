// Side-effect entry: the WebAssembly backend, with netlens' gradient kernels that make it a full
// gradient backend (tfjs 4.22's wasm lacks or mis-computes several backprop kernels).
import '../gradients';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { isNode } from '../internal/optional-import';
import { keepWasmOffProcessListeners } from '../internal/wasm-process-listeners';
import { installWasmGradients } from '../wasm/install';
import { enableWasmThreadsInNode } from '../wasm-threads/enable-node-threads';
import type { PreparedRuntime } from './runtime';

export { installWasmGradients, uninstallWasmGradients, WASM_GRADIENT_KERNELS } from '../wasm/install';

installWasmGradients();
keepWasmOffProcessListeners();

const BINARIES = [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
] as const;

/** Where the `.wasm` binaries are, when the defaults do not fit (a CDN, a custom static folder). */
export type WasmPaths = string | Partial<Record<(typeof BINARIES)[number], string>>;

/** Options of the wasm runtime, passed through `selectBackend`. */
export interface WasmRuntimeOptions {
  /** Where the `.wasm` binaries are, when the defaults do not fit (a CDN, a custom static folder). */
  wasmPaths?: WasmPaths;
  /**
   * Threads for the wasm backend in Node: a count, or `false` for one thread. Default: every core
   * (at most 8). tfjs 4.22 runs wasm on one thread in Node; netlens starts its threaded build there.
   * Must be decided before the backend first initialises. Browsers use threads only on
   * cross-origin-isolated pages, which tfjs detects itself.
   */
  wasmThreads?: number | false;
}

/**
 * Points tfjs at the `.wasm` binaries and, in Node, enables the threaded build. In Node tfjs finds
 * the binaries inside its package. In browsers they ship next to this module
 * (`dist/wasm-binaries/`), and bundlers that understand `new URL(…, import.meta.url)` (Vite,
 * webpack 5, Parcel) copy them with the app.
 */
export async function prepare(options: WasmRuntimeOptions = {}): Promise<PreparedRuntime> {
  let threads = '';
  if (isNode()) {
    const result = await enableWasmThreadsInNode(
      options.wasmThreads === false
        ? { threads: 1 }
        : options.wasmThreads
          ? { threads: options.wasmThreads }
          : {},
    );
    threads = `; ${result.threads} thread${result.threads === 1 ? '' : 's'} (${result.reason})`;
  }
  if (options.wasmPaths !== undefined) {
    setWasmPaths(options.wasmPaths as string);
  } else if (!isNode()) {
    const base = typeof import.meta !== 'undefined' ? import.meta.url : undefined;
    if (base) {
      setWasmPaths({
        'tfjs-backend-wasm.wasm': new URL('../wasm-binaries/tfjs-backend-wasm.wasm', import.meta.url).href,
        'tfjs-backend-wasm-simd.wasm': new URL(
          '../wasm-binaries/tfjs-backend-wasm-simd.wasm',
          import.meta.url,
        ).href,
        'tfjs-backend-wasm-threaded-simd.wasm': new URL(
          '../wasm-binaries/tfjs-backend-wasm-threaded-simd.wasm',
          import.meta.url,
        ).href,
      });
    }
  }
  return { tfjsName: 'wasm', detail: `WebAssembly SIMD kernels with netlens gradient kernels${threads}` };
}
