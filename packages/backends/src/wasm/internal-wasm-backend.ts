import type {
  BackendValues,
  DataId,
  DataType,
  KernelConfig,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  TypedArray,
} from '@tensorflow/tfjs-core';
import { getKernel, util } from '@tensorflow/tfjs-core';

/** The backend name every kernel in this folder is registered under. */
export const WASM = 'wasm';

/**
 * The members of tfjs-backend-wasm's `BackendWasm` that netlens' kernels use. Typed structurally so
 * that nothing here imports the wasm backend itself (its module has side effects).
 */
export interface WasmBackend {
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number, values?: BackendValues): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): TypedArray;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

/** The argument every tfjs kernel function receives. */
export interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: object;
  attrs?: NamedAttrMap;
}

/** A rank-4 shape, as tfjs' conv and pool helpers want it. */
export type Shape4 = [number, number, number, number];

/**
 * Runs the kernel currently registered as `name` for wasm (a stock one, or one of netlens' own when
 * it replaces the stock one) and returns its single output.
 */
export function runWasmKernel(
  name: string,
  backend: WasmBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  const config = getKernel(name, WASM);
  if (config == null) {
    throw new Error(`netlens: kernel '${name}' is not registered for backend 'wasm'.`);
  }
  return config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/**
 * netlens' kernel in place of a stock wasm kernel of the same name. The stock setup and dispose
 * functions still run on backend (re)initialisation: the netlens kernel may call into the stock one.
 */
export function wrapStock(
  stock: KernelConfig,
  kernelFunc: (args: KernelArgs) => TensorInfo | TensorInfo[],
): KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: WASM,
    kernelFunc: kernelFunc as KernelConfig['kernelFunc'],
    setupFunc: stock.setupFunc,
    disposeFunc: stock.disposeFunc,
  };
}

/** Runs a kernel config directly (used for the stock kernel a netlens kernel replaces). */
export function runConfig(
  config: KernelConfig,
  backend: WasmBackend,
  inputs: NamedTensorInfoMap,
  attrs: NamedAttrMap = {},
): TensorInfo {
  return config.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/** Gives back the wasm memory of intermediate results. */
export function disposeAll(backend: WasmBackend, infos: readonly TensorInfo[]): void {
  for (const info of infos) {
    backend.disposeData(info.dataId);
  }
}

/** A new view of the same data with another shape (the wasm Reshape kernel shares memory). */
export function reshape(backend: WasmBackend, x: TensorInfo, shape: number[]): TensorInfo {
  return runWasmKernel('Reshape', backend, { x }, { shape });
}

/**
 * A live float32 view of a tensor's wasm memory. Views go stale when the wasm heap grows, so take
 * them only after every output of the kernel has been allocated.
 */
export function float32View(backend: WasmBackend, info: TensorInfo): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) {
    throw new Error(`netlens: expected a float32 tensor, got ${info.dtype}.`);
  }
  return view;
}

/** A live view of an int32 or float32 tensor's wasm memory (same caveat as {@link float32View}). */
export function numericView(backend: WasmBackend, info: TensorInfo): Float32Array | Int32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array) && !(view instanceof Int32Array)) {
    throw new Error(`netlens: expected a float32 or int32 tensor, got ${info.dtype}.`);
  }
  return view;
}

/** Allocates an output and fills it with zeros (wasm's allocator does not clear memory). */
export function makeZeros(backend: WasmBackend, shape: number[], dtype: DataType = 'float32'): TensorInfo {
  const out = backend.makeOutput(shape, dtype);
  if (util.sizeFromShape(shape) > 0) {
    backend.typedArrayFromHeap(out).fill(0);
  }
  return out;
}

/**
 * Copies `count` entries of `x` along its first dimension, starting at `start`, into a new tensor.
 * (The stock wasm Slice kernel reads the whole tensor each call, which is quadratic in a loop.)
 */
export function copyLeading(backend: WasmBackend, x: TensorInfo, start: number, count: number): TensorInfo {
  const inner = x.shape.slice(1);
  const rowSize = util.sizeFromShape(inner);
  const out = backend.makeOutput([count, ...inner], x.dtype);
  const source = backend.typedArrayFromHeap(x);
  backend.typedArrayFromHeap(out).set(source.subarray(start * rowSize, (start + count) * rowSize));
  return out;
}

/**
 * Copies `byteLength` bytes between two places of the wasm heap (both views must be on the current
 * heap buffer); `copyWithin` is a memmove without a subarray per call.
 */
export function copyHeapBytes(
  heap: Uint8Array,
  target: TypedArray,
  targetIndex: number,
  source: TypedArray,
  sourceIndex: number,
  length: number,
): void {
  const bytes = source.BYTES_PER_ELEMENT;
  const from = source.byteOffset + sourceIndex * bytes;
  heap.copyWithin(target.byteOffset + targetIndex * bytes, from, from + length * bytes);
}

/** Throws the same error as the stock wasm conv kernels for NCHW data. */
export function assertChannelsLast(dataFormat: string, kernelName: string): void {
  if (dataFormat !== 'channelsLast') {
    throw new Error(
      `wasm backend ${kernelName} does not support dataFormat:'${dataFormat}'. Please use 'channelsLast'.`,
    );
  }
}
