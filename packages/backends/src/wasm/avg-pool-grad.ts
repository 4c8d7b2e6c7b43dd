import type { AvgPoolGradAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { AvgPoolGrad, backend_util } from '@tensorflow/tfjs-core';
import { depthwiseInputGradient } from './depthwise-backprop-input';
import { disposeAll, type KernelArgs, type Shape4, WASM, type WasmBackend } from './internal-wasm-backend';

/**
 * `AvgPoolGrad` (the input gradient of `avgPool`) on wasm: the input gradient of a depthwise
 * convolution whose filter is `1 / (filterHeight·filterWidth)` everywhere (see
 * `depthwise-backprop-input.ts`). Like the stock kernel and tfjs-cpu it divides by the full window
 * size also at 'same' borders. The stock kernel is a loop ~15× slower than the forward pool.
 */
export function avgPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
  const { filterSize, strides, pad } = attrs as unknown as AvgPoolGradAttrs;
  const channels = input.shape[3]!;
  const pool = backend_util.computePool2DInfo(input.shape as Shape4, filterSize, strides, 1, pad);
  const filterShape: Shape4 = [pool.filterHeight, pool.filterWidth, channels, 1];
  const info = backend_util.computeConv2DInfo(
    input.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    undefined,
    true,
  );
  const filter = wasm.makeOutput(filterShape, 'float32');
  wasm.typedArrayFromHeap(filter).fill(1 / (pool.filterHeight * pool.filterWidth));
  const dx = depthwiseInputGradient(wasm, dy, filter, info);
  disposeAll(wasm, [filter]);
  return dx;
}

/** Kernel config (replaces the stock kernel). */
export const avgPoolGradConfig: KernelConfig = {
  kernelName: AvgPoolGrad,
  backendName: WASM,
  kernelFunc: avgPoolGrad as KernelConfig['kernelFunc'],
};
