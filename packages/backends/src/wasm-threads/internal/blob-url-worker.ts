import type * as NodeBuffer from 'node:buffer';
import type * as WorkerThreads from 'node:worker_threads';
import { PTHREAD_BOOTSTRAP, WORKER_SOURCE_KEY } from './pthread-bootstrap';

type WorkerConstructor = typeof WorkerThreads.Worker;

/** Workers started from a blob URL; only these are kept from holding the process open. */
const blobWorkers = new WeakSet<object>();

/** Called as each blob-URL worker is created, i.e. while an emscripten module fills its pthread pool. */
let onBlobWorker: () => void = () => {};

/**
 * Builds a `worker_threads.Worker` subclass that also accepts the `blob:` URLs tfjs-backend-wasm
 * gives emscripten for its pthread script, and leaves every other specifier to Node.
 *
 * @param workerThreads - `node:worker_threads`, passed in so this module never imports Node.
 * @param buffer - `node:buffer`, for `resolveObjectURL`.
 * @returns The subclass.
 */
function createBlobUrlWorker(
  workerThreads: typeof WorkerThreads,
  buffer: typeof NodeBuffer,
): WorkerConstructor {
  return class BlobUrlWorker extends workerThreads.Worker {
    constructor(specifier: string | URL, options?: WorkerThreads.WorkerOptions) {
      const href = specifier instanceof URL ? specifier.href : String(specifier);
      // Blob URLs are per thread in Node, so the Blob itself travels to the worker (Blobs clone).
      const blob = href.startsWith('blob:') ? buffer.resolveObjectURL(href) : undefined;
      super(
        blob === undefined ? specifier : PTHREAD_BOOTSTRAP,
        blob === undefined ? options : { ...options, eval: true, workerData: { [WORKER_SOURCE_KEY]: blob } },
      );
      if (blob !== undefined) {
        blobWorkers.add(this);
        this.unref();
        onBlobWorker();
      }
    }

    /**
     * Emscripten refs a worker while it runs a pthread, but XNNPACK's pool threads run for the life
     * of the module and the main thread only ever waits on them synchronously, so a ref would keep
     * Node alive after the program is done without ever being needed.
     */
    override ref(): void {
      if (!blobWorkers.has(this)) super.ref();
    }
  };
}

let installed = false;

/**
 * Makes `globalThis.Worker` resolve to a blob-URL-capable `worker_threads.Worker` subclass whenever
 * something installs Node's own `Worker` there, as emscripten's Node glue does
 * (`commonjsGlobal.Worker = nodeWorkerThreads.Worker`) just before it starts its pthread pool.
 * Any other value assigned to `globalThis.Worker` is kept as is. Installs once; later calls only
 * replace `onWorker`.
 *
 * @param workerThreads - `node:worker_threads`.
 * @param buffer - `node:buffer`.
 * @param onWorker - Called as each blob-URL worker is created. Emscripten creates its whole pthread
 *   pool before it instantiates the wasm module, so this runs ahead of every (re)initialisation.
 */
export function installBlobUrlWorker(
  workerThreads: typeof WorkerThreads,
  buffer: typeof NodeBuffer,
  onWorker: () => void,
): void {
  onBlobWorker = onWorker;
  if (installed) return;
  installed = true;
  const blobUrlWorker = createBlobUrlWorker(workerThreads, buffer);
  const adapt = (value: unknown): unknown => (value === workerThreads.Worker ? blobUrlWorker : value);
  const previous = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
  let current = adapt(Reflect.get(globalThis, 'Worker'));
  // An accessor rather than a plain value: emscripten assigns the global itself, after we run.
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    enumerable: previous?.enumerable ?? false,
    get: () => current,
    set: (value: unknown) => {
      current = adapt(value);
    },
  });
}
