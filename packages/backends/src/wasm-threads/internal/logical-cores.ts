type Instantiate = typeof WebAssembly.instantiate;

const CORES_IMPORT = 'emscripten_num_logical_cores';

let pending: { count: number } | null = null;

/**
 * Makes the next WebAssembly module that imports `env.emscripten_num_logical_cores` (an emscripten
 * pthread build, here tfjs-backend-wasm's threaded SIMD binary) see `count` logical cores, then
 * restores `WebAssembly.instantiate`.
 *
 * tfjs-backend-wasm's `backend.cc` caps its XNNPACK pool at `emscripten_num_logical_cores() / 2`,
 * assuming two hyperthreads per core, and computes that in a static initialiser before
 * `setThreadsCount` is consulted; with 2 logical CPUs the pool could never exceed 1 thread.
 * Answering `2 * threads` here lifts that cap to exactly the requested count. Overriding the one
 * import, for one instantiation, leaves `os.cpus()` and every other module alone.
 *
 * Calling it again before the instantiation only updates the count.
 *
 * @param count - The logical core count the module should see.
 */
export function overrideLogicalCoresOnce(count: number): void {
  if (pending !== null) {
    pending.count = count;
    return;
  }
  const state = { count };
  pending = state;
  const original: Instantiate = WebAssembly.instantiate;
  const patched = function instantiate(source: unknown, imports?: WebAssembly.Imports): Promise<unknown> {
    const env = imports?.env;
    let effective = imports;
    if (env !== undefined && typeof env[CORES_IMPORT] === 'function') {
      Reflect.set(WebAssembly, 'instantiate', original);
      pending = null;
      effective = { ...imports, env: { ...env, [CORES_IMPORT]: () => state.count } };
    }
    return Reflect.apply(original, WebAssembly, [source, effective]) as Promise<unknown>;
  };
  Reflect.set(WebAssembly, 'instantiate', patched);
}
