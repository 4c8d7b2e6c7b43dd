import type { KernelConfig, SplitVAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, util } from '@tensorflow/tfjs-core';
import { copyHeapBytes, type KernelArgs, type WasmBackend, wrapStock } from './internal-wasm-backend';

/**
 * `SplitV` (the gradient of `concat`, e.g. of every SqueezeNet fire module) on wasm.
 *
 * Copies each part's rows inside the wasm heap (`copyWithin`), O(size). The stock kernel runs one `Slice`
 * per part, and the stock `Slice` first copies the whole input out of the heap (`readSync`), so a
 * two-way split of `[5,55,55,128]` costs ~11 ms instead of ~1. String tensors go to the stock kernel.
 *
 * @param stock - The stock wasm `SplitV` config, used for string tensors.
 */
export function createSplitVConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo[] => {
    const wasm = backend as WasmBackend;
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === 'string') {
      return stock.kernelFunc({ inputs, backend, attrs }) as TensorInfo[];
    }
    const { numOrSizeSplits, axis } = attrs as unknown as SplitVAttrs;
    const $axis = util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    const outer = util.sizeFromShape(x.shape.slice(0, $axis));
    const inner = util.sizeFromShape(x.shape.slice($axis + 1));
    const rowLength = (x.shape[$axis] ?? 1) * inner;
    const outputs = sizes.map((size) => {
      const shape = x.shape.slice();
      shape[$axis] = size;
      return wasm.makeOutput(shape, x.dtype);
    });
    const source = wasm.typedArrayFromHeap(x);
    const heap = new Uint8Array(source.buffer);
    let begin = 0;
    outputs.forEach((output, i) => {
      const chunk = sizes[i]! * inner;
      const target = wasm.typedArrayFromHeap(output);
      for (let o = 0; o < outer; o++) {
        copyHeapBytes(heap, target, o * chunk, source, o * rowLength + begin, chunk);
      }
      begin += chunk;
    });
    return outputs;
  };
  return wrapStock(stock, kernelFunc);
}
