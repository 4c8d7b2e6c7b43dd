import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { type KernelArgs, type WasmBackend, wrapStock } from './internal-wasm-backend';

/**
 * `Identity` (`tf.clone`) on wasm, sharing the input's memory as tfjs-cpu and webgl do (tensors are
 * immutable; the wasm `Reshape` kernel already shares the same way).
 *
 * The gradient tape clones every tensor it saves for the backward pass (each conv's input and
 * filter, each relu input, each pool's input and output), and the stock wasm kernel copies each of
 * them: about 15 ms of a SqueezeNet saliency pass. String tensors go to the stock kernel.
 *
 * @param stock - The stock wasm `Identity` config, used for string tensors.
 */
export function createIdentityConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === 'string') {
      return stock.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
    }
    return share(backend as WasmBackend, x);
  };
  return wrapStock(stock, kernelFunc);
}

/** A second reference to `x`'s memory, released by the usual `disposeData` refcount. */
export function share(backend: WasmBackend, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}
