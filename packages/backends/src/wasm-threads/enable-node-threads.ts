import type * as NodeBuffer from 'node:buffer';
import type * as NodeOs from 'node:os';
import type * as WorkerThreads from 'node:worker_threads';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { engine, env } from '@tensorflow/tfjs-core';
import { installBlobUrlWorker } from './internal/blob-url-worker';
import { overrideLogicalCoresOnce } from './internal/logical-cores';

/** Options for {@link enableWasmThreadsInNode}. */
export interface EnableWasmThreadsOptions {
  /**
   * Size of the XNNPACK thread pool, the calling thread included. Defaults to
   * `os.availableParallelism()`, capped at {@link MAX_WASM_THREADS}. `1` keeps tfjs's default
   * single-threaded SIMD build.
   */
  threads?: number;
}

/** What {@link enableWasmThreadsInNode} did. */
export interface WasmThreadsResult {
  /**
   * Threads the wasm backend will use once it initialises (or already uses). `1` whenever threads
   * were not enabled.
   */
  threads: number;
  /** Why: what was set up, or what made threads unavailable here. */
  reason: string;
}

/**
 * Most threads the tfjs-backend-wasm 4.22 threaded build can use: emscripten pre-spawns 8 pthread
 * workers and `backend.cc` caps its pool at 8.
 */
export const MAX_WASM_THREADS = 8;

// WebAssembly module using a shared memory and an atomic load, the threads probe tfjs's
// `WASM_HAS_MULTITHREAD_SUPPORT` flag uses in browsers (from GoogleChromeLabs/wasm-feature-detect).
const THREADS_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254,
  16, 2, 0, 26, 11,
]);

interface NodeModules {
  workerThreads: typeof WorkerThreads;
  buffer: typeof NodeBuffer;
  os: typeof NodeOs;
}

let enabled: WasmThreadsResult | null = null;

/**
 * Lets the tfjs wasm backend use several threads under Node, where tfjs-backend-wasm 4.22 always
 * picks its single-threaded build (`WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to `false` when
 * `IS_NODE`, tensorflow/tfjs#3830).
 *
 * Must run before the wasm backend initialises, i.e. before `tf.setBackend('wasm')`, or `tf.ready()`
 * when wasm is the best registered backend. It switches the flag on, sets the thread count, and
 * patches, in memory and only for the threaded module, the two things that stop the shipped
 * threaded SIMD binary from running in Node: emscripten starts its pthread workers from a `blob:`
 * URL (Node throws `ERR_WORKER_PATH`), and `backend.cc` caps the pool at half the logical cores.
 * Nothing under `node_modules` is changed. Never throws: when threads are not possible here it
 * changes nothing and says why.
 *
 * Node modules are reached through `process.getBuiltinModule`, so browser bundles never see them;
 * in a browser it returns `{ threads: 1 }` and tfjs's own detection applies.
 *
 * @param options - See {@link EnableWasmThreadsOptions}.
 * @returns The thread count the backend will use and the reason. After initialisation,
 *   `getThreadsCount()` from `@tensorflow/tfjs-backend-wasm` reports the count actually in use.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { enableWasmThreadsInNode } from '@netlens/backends';
 *
 * const { threads, reason } = await enableWasmThreadsInNode();
 * await tf.setBackend('wasm');
 * console.log(threads, reason);
 * ```
 */
export async function enableWasmThreadsInNode(
  options: EnableWasmThreadsOptions = {},
): Promise<WasmThreadsResult> {
  try {
    return await enable(options);
  } catch (error) {
    return {
      threads: 1,
      reason: `threads not enabled: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

async function enable(options: EnableWasmThreadsOptions): Promise<WasmThreadsResult> {
  const running = initialisedThreads();
  if (running !== null) {
    return {
      threads: running,
      reason:
        enabled !== null && enabled.threads === running
          ? enabled.reason
          : `the wasm backend is already initialised with ${running} thread(s); ` +
            `call enableWasmThreadsInNode() before tf.setBackend('wasm')`,
    };
  }
  const node = nodeModules();
  if (node === null) {
    return {
      threads: 1,
      reason: 'not running in Node (no process.getBuiltinModule); tfjs decides threads itself',
    };
  }
  const requested = options.threads ?? Math.min(node.os.availableParallelism(), MAX_WASM_THREADS);
  if (!Number.isInteger(requested) || requested < 1) {
    return { threads: 1, reason: `threads must be a positive integer, got ${requested}` };
  }
  if (requested === 1) {
    return {
      threads: 1,
      reason:
        options.threads === undefined
          ? 'only one CPU is available; kept the single-threaded SIMD build'
          : 'one thread requested; kept the single-threaded SIMD build',
    };
  }
  const threads = Math.min(requested, MAX_WASM_THREADS);
  const missing = await missingWasmFeature();
  if (missing !== null) return { threads: 1, reason: missing };

  // Armed per pthread pool rather than once, so a backend re-created after `tf.engine().reset()`
  // gets the same thread count; between pools `WebAssembly.instantiate` is left untouched.
  installBlobUrlWorker(node.workerThreads, node.buffer, () => overrideLogicalCoresOnce(2 * threads));
  setThreadsCount(threads);
  env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);

  const capped =
    threads < requested ? ` (${requested} requested, the threaded build allows ${MAX_WASM_THREADS})` : '';
  enabled = {
    threads,
    reason: `threaded SIMD build with ${threads} threads${capped}; pthread workers started from worker_threads`,
  };
  return enabled;
}

/** The backend's thread count if a wasm backend is live in the engine, else `null`. */
function initialisedThreads(): number | null {
  // The registry, not getThreadsCount(): the latter keeps answering after tf.engine().reset()
  // disposed the backend, when a new one (and a new call here) is still possible.
  if (engine().registry.wasm === undefined) return null;
  try {
    return getThreadsCount();
  } catch {
    return null;
  }
}

function nodeModules(): NodeModules | null {
  const getBuiltinModule = globalThis.process?.getBuiltinModule;
  if (typeof getBuiltinModule !== 'function') return null;
  const load = <T>(id: string): T | undefined =>
    getBuiltinModule.call(globalThis.process, id) as T | undefined;
  const workerThreads = load<typeof WorkerThreads>('node:worker_threads');
  const buffer = load<typeof NodeBuffer>('node:buffer');
  const os = load<typeof NodeOs>('node:os');
  if (
    typeof workerThreads?.Worker !== 'function' ||
    typeof buffer?.resolveObjectURL !== 'function' ||
    typeof os?.availableParallelism !== 'function'
  ) {
    return null;
  }
  return { workerThreads, buffer, os };
}

/** Why the threaded SIMD binary cannot run in this engine, or `null` if it can. */
async function missingWasmFeature(): Promise<string | null> {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is not available';
  if (!WebAssembly.validate(THREADS_PROBE)) return 'this WebAssembly engine has no threads (atomics) support';
  // tfjs only loads the threaded binary when SIMD is also supported.
  if (!(await env().getAsync('WASM_HAS_SIMD_SUPPORT'))) return 'this WebAssembly engine has no SIMD support';
  return null;
}
