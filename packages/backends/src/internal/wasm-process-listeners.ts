import * as tf from '@tensorflow/tfjs-core';

type ProcessEvent = 'uncaughtException' | 'unhandledRejection';
const EVENTS: readonly ProcessEvent[] = ['uncaughtException', 'unhandledRejection'];

interface ListenerProcess {
  listeners(event: ProcessEvent): ((...args: unknown[]) => void)[];
  removeListener(event: ProcessEvent, listener: (...args: unknown[]) => void): unknown;
}

function nodeProcess(): ListenerProcess | undefined {
  const candidate = (globalThis as { process?: Partial<ListenerProcess> }).process;
  return typeof candidate?.listeners === 'function' && typeof candidate.removeListener === 'function'
    ? (candidate as ListenerProcess)
    : undefined;
}

/**
 * Runs `start` and then removes every `uncaughtException` and `unhandledRejection` listener it added
 * to the process, and only those.
 * @returns what `start` resolved to.
 */
export async function withoutNewProcessListeners<T>(start: () => T | Promise<T>): Promise<T> {
  const host = nodeProcess();
  if (!host) return start();
  const before = new Map(EVENTS.map((event) => [event, new Set(host.listeners(event))]));
  try {
    return await start();
  } finally {
    for (const event of EVENTS) {
      const known = before.get(event) as Set<unknown>;
      for (const listener of host.listeners(event)) {
        if (!known.has(listener)) host.removeListener(event, listener);
      }
    }
  }
}

/**
 * In Node, re-registers tfjs' `wasm` backend factory so that initialising it leaves the process's
 * error handling alone. Emscripten's module (tfjs-backend-wasm 4.22) installs process-wide
 * `uncaughtException` and `unhandledRejection` listeners that rethrow from inside its own code, so
 * once the backend starts, any uncaught error of the host program exits with code 7 and a trace
 * into emscripten instead of Node's own behaviour (exit code 1 with the error, or Node's
 * unhandled-rejection mode). A library must not change how its host fails. Does nothing in
 * browsers, when the factory is missing, or when the backend already started.
 */
export function keepWasmOffProcessListeners(): void {
  if (!nodeProcess()) return;
  const factory = tf.findBackendFactory('wasm');
  // tf.findBackend would start the backend; the engine's registry only lists started ones.
  const started = (tf.engine() as unknown as { registry: Record<string, unknown> }).registry;
  if (factory === null || 'wasm' in started) return;
  if ((factory as { netlensKeepsListeners?: true }).netlensKeepsListeners) return;
  const wrapped = Object.assign(() => withoutNewProcessListeners(factory), {
    netlensKeepsListeners: true as const,
  });
  tf.removeBackend('wasm');
  // tfjs-backend-wasm registers itself with priority 2.
  tf.registerBackend('wasm', wrapped, 2);
}
