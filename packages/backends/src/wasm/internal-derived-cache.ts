import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';
import type { WasmBackend } from './internal-wasm-backend';

/** Per backend: source data → (kind and shape → the tensor derived from it). */
const caches = new WeakMap<WasmBackend, Map<DataId, Map<string, TensorInfo>>>();

/**
 * The derived-tensor table of `backend`. The first call wraps the backend's `disposeData`, so that
 * freeing a source's memory also frees everything derived from it.
 */
function cacheOf(backend: WasmBackend): Map<DataId, Map<string, TensorInfo>> {
  let cache = caches.get(backend);
  if (cache !== undefined) return cache;
  const table = new Map<DataId, Map<string, TensorInfo>>();
  const disposeData = backend.disposeData.bind(backend);
  backend.disposeData = (dataId: DataId, force?: boolean): boolean => {
    const freed = disposeData(dataId, force);
    const derived = freed ? table.get(dataId) : undefined;
    if (derived !== undefined) {
      table.delete(dataId);
      for (const info of derived.values()) disposeData(info.dataId, true);
    }
    return freed;
  };
  cache = table;
  caches.set(backend, cache);
  return cache;
}

/**
 * A tensor computed from `source` by `make` (a filter flipped or transposed for a gradient), made
 * once per source and kept until the source's memory is freed. tfjs tensors never change their
 * data, so the copy stays valid, and XNNPACK, which caches its packed operators by filter tensor,
 * reuses the operator too: a backward pass through fixed weights then costs what the forward does
 * (SqueezeNet's input gradient: about 1 ms less per 3×3×64×256 layer). The price is one copy of
 * each filter a gradient has run through, for as long as that filter lives.
 *
 * The caller must not dispose the result.
 *
 * @param kind - names the derivation; the source's shape is part of the key too, because reshaped
 *   tensors share their data.
 */
export function derivedTensor(
  backend: WasmBackend,
  source: TensorInfo,
  kind: string,
  make: () => TensorInfo,
): TensorInfo {
  const cache = cacheOf(backend);
  const key = `${kind} ${source.shape.join('×')} ${source.dtype}`;
  let derived = cache.get(source.dataId);
  const cached = derived?.get(key);
  if (cached !== undefined) return cached;
  const made = make();
  if (derived === undefined) {
    derived = new Map();
    cache.set(source.dataId, derived);
  }
  derived.set(key, made);
  return made;
}

/**
 * How many derived tensors `backend` holds now (0 for backends that never made one). Leak checks
 * subtract it: these live as long as their sources, by design.
 */
export function derivedTensorCount(backend: object): number {
  const cache = caches.get(backend as WasmBackend);
  let count = 0;
  for (const derived of cache?.values() ?? []) count += derived.size;
  return count;
}
