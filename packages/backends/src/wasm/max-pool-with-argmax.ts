import type { KernelConfig, MaxPoolWithArgmaxAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, MaxPoolWithArgmax } from '@tensorflow/tfjs-core';
import { poolArgmax, xnnpackMaxima } from './internal-pool-argmax';
import { float32View, type KernelArgs, type Shape4, WASM, type WasmBackend } from './internal-wasm-backend';

/**
 * `MaxPoolWithArgmax` on wasm: the pooled values and the flat NHWC index of each window's maximum
 * (`((b·H + y)·W + x)·C + c`, without the `b` term unless `includeBatchInIndex`).
 *
 * XNNPACK's `MaxPool` gives the maxima, then one JS pass finds where they are (see
 * {@link poolArgmax}), with tfjs-cpu semantics. The stock kernel starts each window at `FLT_MIN`
 * with index 0, so windows whose values are all ≤ 0 come back as `1.1754944e-38` at index 0.
 */
export function maxPoolWithArgmax({ inputs, backend, attrs }: KernelArgs): TensorInfo[] {
  const wasm = backend as WasmBackend;
  const { x } = inputs as { x: TensorInfo };
  const { filterSize, strides, pad, includeBatchInIndex } = attrs as unknown as MaxPoolWithArgmaxAttrs;
  const info = backend_util.computePool2DInfo(x.shape as Shape4, filterSize, strides, [1, 1], pad);
  const pooled = xnnpackMaxima(wasm, x, info, { filterSize, strides, pad });
  const indexes = wasm.makeOutput(info.outShape, 'int32');
  const positions = wasm.typedArrayFromHeap(indexes) as Int32Array;
  const maxima = float32View(wasm, pooled);
  poolArgmax(float32View(wasm, x), info, maxima, { positions });
  if (!includeBatchInIndex) {
    const imageSize = info.inHeight * info.inWidth * info.inChannels;
    const perImage = info.outHeight * info.outWidth * info.outChannels;
    for (let i = 0; i < positions.length; i++) {
      const position = positions[i]!;
      if (position >= 0) {
        positions[i] = position - Math.floor(i / perImage) * imageSize;
      }
    }
  }
  return [pooled, indexes];
}

/** Kernel config (replaces the stock kernel). */
export const maxPoolWithArgmaxConfig: KernelConfig = {
  kernelName: MaxPoolWithArgmax,
  backendName: WASM,
  kernelFunc: maxPoolWithArgmax as KernelConfig['kernelFunc'],
};
