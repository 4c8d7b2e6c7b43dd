import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { type KernelArgs, type WasmBackend, wrapStock } from './internal-wasm-backend';

/**
 * `Sign` on wasm with tfjs-cpu's rule (`x < 0 → −1`, `x > 0 → 1`, else 0, NaN included). The stock
 * float32 kernel returns 0 for |x| below about 1e-7, so FGSM and PGD steps on a confident model,
 * whose loss gradients are that small, did nothing. Other dtypes go to the stock kernel.
 *
 * @param stock - The stock wasm `Sign` config, used for int32.
 */
export function createSignConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype !== 'float32') return stock.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
    const wasm = backend as WasmBackend;
    const out = wasm.makeOutput(x.shape.slice(), 'float32');
    const values = wasm.typedArrayFromHeap(x) as Float32Array;
    const result = wasm.typedArrayFromHeap(out) as Float32Array;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as number;
      result[i] = value < 0 ? -1 : value > 0 ? 1 : 0;
    }
    return out;
  };
  return wrapStock(stock, kernelFunc);
}
