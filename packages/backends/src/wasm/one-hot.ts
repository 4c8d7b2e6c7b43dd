import type { KernelConfig, OneHotAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { OneHot } from '@tensorflow/tfjs-core';
import type { KernelArgs, WasmBackend } from './internal-wasm-backend';
import { WASM } from './internal-wasm-backend';

/**
 * `OneHot` on wasm for every output dtype. The stock kernel writes its int32 bit patterns whatever
 * `dtype` asks for, so `tf.oneHot(indices, depth, 1, 0, 'float32')` held 1.4e-45 (the float whose
 * bits are the integer 1) instead of 1. Indices outside `[0, depth)` give a row of `offValue`, as in
 * tfjs-cpu.
 */
export const oneHotConfig: KernelConfig = {
  kernelName: OneHot,
  backendName: WASM,
  kernelFunc: (({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { indices } = inputs as { indices: TensorInfo };
    const { depth, onValue, offValue, dtype } = attrs as unknown as OneHotAttrs;
    const wasm = backend as WasmBackend;
    const out = wasm.makeOutput([...indices.shape, depth], dtype);
    const values = wasm.typedArrayFromHeap(indices);
    const result = wasm.typedArrayFromHeap(out);
    result.fill(offValue);
    for (let i = 0; i < values.length; i++) {
      const index = values[i] as number;
      if (index >= 0 && index < depth) result[i * depth + index] = onValue;
    }
    return out;
  }) as KernelConfig['kernelFunc'],
};
