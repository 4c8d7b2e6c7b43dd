import type { KernelConfig, MaxPoolGradAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, MaxPoolGrad, util } from '@tensorflow/tfjs-core';
import { poolArgmax, xnnpackMaxima } from './internal-pool-argmax';
import {
  disposeAll,
  float32View,
  type KernelArgs,
  makeZeros,
  type Shape4,
  WASM,
  type WasmBackend,
} from './internal-wasm-backend';

/**
 * `MaxPoolGrad` (the input gradient of `maxPool`) on wasm.
 *
 * The forward `output` (or, if its shape does not match, XNNPACK's `MaxPool`) gives each window's
 * maximum, a JS pass finds where it is (see {@link poolArgmax}) and `dy` is scattered there, with
 * tfjs-cpu's semantics: padding never wins and the first maximum wins ties. `output` is only a
 * candidate that the pass verifies against the window, so an inconsistent `output` (tfjs-cpu
 * ignores it) cannot misroute the gradient. The stock kernel loses the gradient of
 * windows that touch 'same' padding or whose values are all ≤ 0, and is ~5× slower.
 */
export function maxPoolGrad({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy: dyInfo, input, output } = inputs as { dy: TensorInfo; input: TensorInfo; output?: TensorInfo };
  const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(
    input.shape as Shape4,
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  // The forward output saves recomputing the maxima; poolArgmax only takes it as candidates.
  const reuse =
    output !== undefined && output.dtype === 'float32' && util.arraysEqual(output.shape, info.outShape);
  const maxima = reuse ? output : xnnpackMaxima(wasm, input, info, { filterSize, strides, pad });
  const out = makeZeros(wasm, input.shape);
  poolArgmax(float32View(wasm, input), info, float32View(wasm, maxima), {
    dy: float32View(wasm, dyInfo),
    dx: float32View(wasm, out),
    correctMaxima: false,
  });
  if (!reuse) {
    disposeAll(wasm, [maxima]);
  }
  return out;
}

/** Kernel config (replaces the stock kernel). */
export const maxPoolGradConfig: KernelConfig = {
  kernelName: MaxPoolGrad,
  backendName: WASM,
  kernelFunc: maxPoolGrad as KernelConfig['kernelFunc'],
};
