import type { CastAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { share } from './identity';
import { type KernelArgs, numericView, type WasmBackend, wrapStock } from './internal-wasm-backend';

/**
 * `Cast` on wasm: a cast to the tensor's own dtype shares its memory (see `identity.ts`) instead of
 * copying it; tfjs-core's relu gradient, `dy · cast(step(x), 'float32')`, makes one such cast per
 * relu. A cast to bool tests `≠ 0` as tfjs-cpu does (the stock kernel wraps −2 to 254). Other casts
 * go to the stock kernel.
 *
 * @param stock - The stock wasm `Cast` config.
 */
export function createCastConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { x } = inputs as { x: TensorInfo };
    const { dtype } = attrs as unknown as CastAttrs;
    const wasm = backend as WasmBackend;
    if (x.dtype === dtype && dtype !== 'string') {
      return share(wasm, x);
    }
    if (dtype === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) {
      // The stock kernel copies the numbers into a Uint8Array (−2 becomes 254); tfjs-cpu tests ≠ 0.
      const out = wasm.makeOutput(x.shape, 'bool');
      const source = numericView(wasm, x);
      const target = wasm.typedArrayFromHeap(out);
      for (let i = 0; i < source.length; i++) {
        target[i] = source[i] !== 0 ? 1 : 0;
      }
      return out;
    }
    return stock.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
  };
  return wrapStock(stock, kernelFunc);
}
