import type { Conv2DBackpropFilterAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropFilter } from '@tensorflow/tfjs-core';
import { transposeMatrices } from './internal-transpose';
import {
  assertChannelsLast,
  copyLeading,
  disposeAll,
  float32View,
  type KernelArgs,
  reshape,
  runWasmKernel,
  type Shape4,
  WASM,
  type WasmBackend,
} from './internal-wasm-backend';

/** Above this many floats the transposed column buffer is built a few images at a time. */
const MAX_COLUMN_FLOATS = 1 << 22;

/**
 * `Conv2DBackpropFilter` (the filter gradient of `conv2d`) on wasm, which tfjs 4.22 lacks.
 *
 * `dW[fh·fw·in, out] = colsᵀ · dy`, where `colsᵀ[fh·fw·in, P]` is the transposed im2col of `x`
 * built by a JS loop (a plain transpose of `x` for unstrided, unpadded 1×1 filters) and the product is one
 * XNNPACK GEMM without transpose flags. Large inputs are processed a few images at a time and
 * accumulated in float64.
 */
export function conv2dBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = backend as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } =
    attrs as unknown as Conv2DBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  assertChannelsLast(info.dataFormat, 'Conv2DBackpropFilter');
  const { batchSize, outHeight, outWidth, outChannels } = info;
  const taps = info.filterHeight * info.filterWidth * info.inChannels;
  const pixels = outHeight * outWidth;
  const imagesPerChunk = Math.max(1, Math.floor(MAX_COLUMN_FLOATS / (pixels * taps)));

  if (imagesPerChunk >= batchSize) {
    const product = chunkProduct(wasm, x, dy, info, 0, batchSize);
    const dw = reshape(wasm, product, info.filterShape);
    disposeAll(wasm, [product]);
    return dw;
  }
  const sum = new Float64Array(taps * outChannels);
  for (let first = 0; first < batchSize; first += imagesPerChunk) {
    const count = Math.min(imagesPerChunk, batchSize - first);
    const product = chunkProduct(wasm, x, dy, info, first, count);
    const values = float32View(wasm, product);
    for (let i = 0; i < values.length; i++) {
      sum[i]! += values[i]!;
    }
    disposeAll(wasm, [product]);
  }
  return wasm.makeOutput(info.filterShape, 'float32', undefined, Float32Array.from(sum));
}

/** `colsᵀ · dy` for images `[first, first + count)`, as a `[fh·fw·in, out]` tensor. */
function chunkProduct(
  backend: WasmBackend,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  first: number,
  count: number,
): TensorInfo {
  const whole = count === info.batchSize;
  const dyChunk = whole ? dy : copyLeading(backend, dy, first, count);
  const rows = count * info.outHeight * info.outWidth;
  const dy2d = reshape(backend, dyChunk, [rows, info.outChannels]);
  const columnsT = transposedColumns(backend, x, info, first, count);
  const product = runWasmKernel(
    'BatchMatMul',
    backend,
    { a: columnsT, b: dy2d },
    {
      transposeA: false,
      transposeB: false,
    },
  );
  disposeAll(backend, whole ? [dy2d, columnsT] : [dy2d, columnsT, dyChunk]);
  return product;
}

function transposedColumns(
  backend: WasmBackend,
  x: TensorInfo,
  info: backend_util.Conv2DInfo,
  first: number,
  count: number,
): TensorInfo {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const pixels = count * outHeight * outWidth;
  const isIdentityWindow =
    filterHeight === 1 &&
    filterWidth === 1 &&
    strideHeight === 1 &&
    strideWidth === 1 &&
    padTop === 0 &&
    padLeft === 0 &&
    outHeight === inHeight &&
    outWidth === inWidth;
  if (isIdentityWindow) {
    const whole = count === info.batchSize;
    const xChunk = whole ? x : copyLeading(backend, x, first, count);
    const columnsT = transposeMatrices(backend, xChunk, 1, pixels, inChannels);
    if (!whole) {
      disposeAll(backend, [xChunk]);
    }
    return columnsT;
  }

  const taps = filterHeight * filterWidth * inChannels;
  const out = backend.makeOutput([taps, pixels], 'float32');
  const columns = float32View(backend, out);
  const input = float32View(backend, x);
  // Offsets of each output column's input pixel for one filter column, or -1 in the padding.
  const colOffset = new Int32Array(outWidth);
  let r = 0;
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const ix = ox * strideWidth - padLeft + kw * dilationWidth;
        colOffset[ox] = ix >= 0 && ix < inWidth ? ix * inChannels : -1;
      }
      for (let ci = 0; ci < inChannels; ci++) {
        for (let n = first; n < first + count; n++) {
          for (let oy = 0; oy < outHeight; oy++) {
            const iy = oy * strideHeight - padTop + kh * dilationHeight;
            if (iy < 0 || iy >= inHeight) {
              columns.fill(0, r, r + outWidth);
              r += outWidth;
              continue;
            }
            const rowBase = (n * inHeight + iy) * inWidth * inChannels + ci;
            for (let ox = 0; ox < outWidth; ox++, r++) {
              const offset = colOffset[ox]!;
              columns[r] = offset >= 0 ? input[rowBase + offset]! : 0;
            }
          }
        }
      }
    }
  }
  return out;
}

/** Kernel config (tfjs-backend-wasm 4.22 has none). */
export const conv2dBackpropFilterConfig: KernelConfig = {
  kernelName: Conv2DBackpropFilter,
  backendName: WASM,
  kernelFunc: conv2dBackpropFilter as KernelConfig['kernelFunc'],
};
