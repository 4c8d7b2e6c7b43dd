import type { KernelConfig, TensorInfo, UnsortedSegmentSumAttrs } from '@tensorflow/tfjs-core';
import { UnsortedSegmentSum, util } from '@tensorflow/tfjs-core';
import { type KernelArgs, makeZeros, numericView, WASM, type WasmBackend } from './internal-wasm-backend';

/**
 * `UnsortedSegmentSum` (the gradient of `gather`, e.g. an embedding lookup) on wasm, which tfjs 4.22
 * lacks.
 *
 * An O(n) JS scatter-add of each `x` row into `out[segmentIds[i]]`; ids outside `[0, numSegments)`
 * are dropped, as in tfjs-cpu. Rank-k `segmentIds` follow TensorFlow (`x` is read as
 * `[ids.size, ...x.shape[k:]]`, the output is `[numSegments, ...x.shape[k:]]`); tfjs-cpu handles
 * only the rank-1 ids that `gather`'s gradient passes.
 */
export function unsortedSegmentSum({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = backend as WasmBackend;
  const { x: xInfo, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
  const { numSegments } = attrs as unknown as UnsortedSegmentSumAttrs;
  const rowShape = xInfo.shape.slice(segmentIds.shape.length);
  const rowSize = util.sizeFromShape(rowShape);
  const outInfo = makeZeros(wasm, [numSegments, ...rowShape], xInfo.dtype);
  const out = numericView(wasm, outInfo);
  const x = numericView(wasm, xInfo);
  const ids = numericView(wasm, segmentIds);
  for (let i = 0; i < ids.length; i++) {
    const segment = ids[i]!;
    if (segment < 0 || segment >= numSegments) {
      continue;
    }
    const source = i * rowSize;
    const target = segment * rowSize;
    for (let j = 0; j < rowSize; j++) {
      out[target + j]! += x[source + j]!;
    }
  }
  return outInfo;
}

/** Kernel config (tfjs-backend-wasm 4.22 has none). */
export const unsortedSegmentSumConfig: KernelConfig = {
  kernelName: UnsortedSegmentSum,
  backendName: WASM,
  kernelFunc: unsortedSegmentSum as KernelConfig['kernelFunc'],
};
