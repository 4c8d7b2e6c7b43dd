import * as tf from '@tensorflow/tfjs-core';
import {
  BACKEND_NAMES,
  type BackendName,
  BROWSER_AUTO_ORDER,
  isBackendName,
  NODE_AUTO_ORDER,
} from './backend-names';
import { type BackendFailure, BackendUnavailableError, InvalidArgumentError } from './errors';
import { isNode } from './internal/optional-import';
import type { PreparedRuntime } from './runtimes/runtime';
import type { WasmPaths, WasmRuntimeOptions } from './runtimes/wasm';

/** Options for {@link selectBackend}. */
export interface SelectBackendOptions {
  /** Read `NETLENS_BACKEND` (Node) to override the hints. Default `true`. */
  readEnvironment?: boolean;
  /** Where the wasm binaries are, when the defaults do not fit. */
  wasmPaths?: WasmPaths;
  /** Threads for wasm in Node (a count, or `false` for one). Default: every core, at most 8. */
  wasmThreads?: WasmRuntimeOptions['wasmThreads'];
}

/** What {@link selectBackend} chose and why. */
export interface SelectedBackend {
  /** The netlens backend name that was selected. */
  name: BackendName;
  /** The tfjs backend now active (`tf.getBackend()`). */
  tfjsName: string;
  /** Why this one: the hint order, the environment override, and what the runtime set up. */
  reason: string;
  /** Hints tried before it, with the reason each was passed over. */
  skipped: readonly BackendFailure[];
  /** Float precision of the backend (32, or 16 on some mobile GPUs). */
  floatPrecision: number;
}

const LOADERS: Record<
  BackendName,
  () => Promise<{ prepare(options?: WasmRuntimeOptions): Promise<PreparedRuntime> }>
> = {
  cpu: () => import('./runtimes/cpu'),
  wasm: () => import('./runtimes/wasm'),
  webgl: () => import('./runtimes/webgl'),
  webgpu: () => import('./runtimes/webgpu'),
  'node-webgpu': () => import('./runtimes/node-webgpu'),
  node: () => import('./runtimes/node'),
  'node-gpu': () => import('./runtimes/node-gpu'),
};

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

/** Sets a tfjs backend, turning tfjs' console warning on failure into the error's reason. */
async function activate(tfjsName: string): Promise<void> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    warnings.push(args.map(String).join(' '));
  };
  let ok: boolean;
  try {
    ok = await tf.setBackend(tfjsName);
  } finally {
    console.warn = warn;
  }
  if (!ok || tf.getBackend() !== tfjsName) {
    const detail = warnings.find((line) => !/^Initialization of backend/.test(line)) ?? warnings[0];
    throw new Error(`tfjs could not initialise '${tfjsName}'${detail ? `: ${firstLine(detail)}` : ''}`);
  }
  await tf.ready();
}

/**
 * Picks, loads and activates the first backend that works among `hints`, importing each runtime
 * lazily so that only the chosen one is loaded. In Node, `NETLENS_BACKEND=wasm` (or a comma-separated
 * list) overrides the hints. With `'auto'`, the order is {@link BROWSER_AUTO_ORDER} in browsers and
 * {@link NODE_AUTO_ORDER} in Node.
 *
 * ```ts
 * const { name, reason } = await selectBackend('auto');
 * const chosen = await selectBackend(['webgpu', 'wasm']); // throws BackendUnavailableError listing both failures
 * ```
 * @param hints - one name, an ordered list, or `'auto'`. Default `'auto'`.
 * @param options - environment override and wasm binary location.
 * @returns what was selected, why, and what was skipped.
 * @throws BackendUnavailableError when no hint works, with one line per failure.
 */
export async function selectBackend(
  hints: BackendName | readonly BackendName[] | 'auto' = 'auto',
  options: SelectBackendOptions = {},
): Promise<SelectedBackend> {
  let requested: readonly (BackendName | 'auto')[] = typeof hints === 'string' ? [hints] : hints;
  let origin = 'requested';
  const override = options.readEnvironment === false || !isNode() ? undefined : process.env.NETLENS_BACKEND;
  if (override) {
    const names = override.split(',').map((name) => name.trim());
    const invalid = names.filter((name) => name !== 'auto' && !isBackendName(name));
    if (invalid.length > 0) {
      throw new InvalidArgumentError(
        'NETLENS_BACKEND',
        `'auto' or names from ${BACKEND_NAMES.join(', ')}`,
        override,
      );
    }
    requested = names as (BackendName | 'auto')[];
    origin = 'NETLENS_BACKEND';
  }
  if (!Array.isArray(requested) || requested.length === 0) {
    throw new InvalidArgumentError(
      'hints',
      `'auto' or a non-empty list of ${BACKEND_NAMES.join(', ')}`,
      String(hints),
    );
  }
  for (const hint of requested) {
    if (hint !== 'auto' && !isBackendName(hint)) {
      throw new InvalidArgumentError(
        'hints',
        `'auto' or one of ${BACKEND_NAMES.join(', ')}`,
        JSON.stringify(hint),
      );
    }
  }
  const auto = isNode() ? NODE_AUTO_ORDER : BROWSER_AUTO_ORDER;
  const order = [...new Set(requested.flatMap((hint) => (hint === 'auto' ? auto : [hint])))];
  const failures: BackendFailure[] = [];
  for (const name of order) {
    const automatic = !requested.includes(name);
    try {
      const runtime = await LOADERS[name]();
      const prepared = await runtime.prepare({
        ...(options.wasmPaths !== undefined ? { wasmPaths: options.wasmPaths } : {}),
        ...(options.wasmThreads !== undefined ? { wasmThreads: options.wasmThreads } : {}),
      });
      if (automatic && prepared.software) {
        failures.push({
          backend: name,
          reason: `${prepared.detail}; 'auto' prefers wasm over a software GPU`,
        });
        continue;
      }
      await activate(prepared.tfjsName);
      const position = failures.length === 0 ? 'first' : `after ${failures.map((f) => f.backend).join(', ')}`;
      return {
        name,
        tfjsName: prepared.tfjsName,
        reason: `${origin} [${requested.join(', ')}]; ${name} was ${position} to work: ${prepared.detail}`,
        skipped: failures,
        floatPrecision: tf.backend().floatPrecision(),
      };
    } catch (error) {
      failures.push({ backend: name, reason: firstLine(error), cause: error });
    }
  }
  throw new BackendUnavailableError(failures);
}
