import type { Conv2DBackpropInputAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { backend_util, Conv2DBackpropInput } from '@tensorflow/tfjs-core';
import {
  cropToSpans,
  explicitPadding,
  flipAndTransposeFilter,
  transposedPadding,
} from './internal-conv-geometry';
import { derivedTensor } from './internal-derived-cache';
import { transposeMatrices } from './internal-transpose';
import {
  assertChannelsLast,
  copyLeading,
  disposeAll,
  float32View,
  type KernelArgs,
  makeZeros,
  reshape,
  runWasmKernel,
  type Shape4,
  WASM,
  type WasmBackend,
} from './internal-wasm-backend';

/** Above this many floats the column buffer of a strided gradient is built a few images at a time. */
const MAX_COLUMN_FLOATS = 1 << 22;

/**
 * `Conv2DBackpropInput` (the input gradient of `conv2d`, and `conv2dTranspose`) on wasm.
 *
 * Stride 1: a forward XNNPACK `Conv2D` of `dy` with the spatially flipped, in/out-transposed filter,
 * padded so that the output has the input's size. Larger strides: one XNNPACK GEMM
 * `dy[P, out] · filterᵀ[out, fh·fw·in]` followed by a JS col2im scatter, which does exactly the
 * forward pass's multiply-adds (zero-dilating `dy` instead would do stride² as many).
 * The stock kernel is a naive loop, ~10× slower than the forward convolution.
 */
export function conv2dBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = backend as WasmBackend;
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { inputShape, strides, pad, dataFormat, dimRoundingMode } =
    attrs as unknown as Conv2DBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  assertChannelsLast(info.dataFormat, 'Conv2DBackpropInput');
  if (info.strideHeight === 1 && info.strideWidth === 1) {
    return viaFlippedConvolution(wasm, dy, filter, info);
  }
  return viaColumns(wasm, dy, filter, info);
}

function viaFlippedConvolution(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const flippedFilter = derivedTensor(backend, filter, 'flipped, in/out transposed', () =>
    flipAndTransposeFilter(backend, filter),
  );
  const { source, rows, cols, cropped } = cropToSpans(
    backend,
    dy,
    transposedPadding(info.inHeight, info.outHeight, info.effectiveFilterHeight, info.padInfo.top),
    transposedPadding(info.inWidth, info.outWidth, info.effectiveFilterWidth, info.padInfo.left),
  );
  const dx = runWasmKernel(
    'Conv2D',
    backend,
    { x: source, filter: flippedFilter },
    { strides: [1, 1], pad: explicitPadding(rows, cols), dataFormat: 'NHWC', dilations: [1, 1] },
  );
  if (cropped) disposeAll(backend, [source]);
  return dx;
}

function viaColumns(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const taps = info.filterHeight * info.filterWidth * inChannels;
  const filterT = derivedTensor(backend, filter, 'taps/out transposed', () =>
    transposeMatrices(backend, filter, 1, taps, outChannels),
  );

  const dx = makeZeros(backend, [batchSize, inHeight, inWidth, inChannels]);
  const pixels = outHeight * outWidth;
  const imagesPerChunk = Math.max(1, Math.floor(MAX_COLUMN_FLOATS / (pixels * taps)));
  for (let first = 0; first < batchSize; first += imagesPerChunk) {
    const count = Math.min(imagesPerChunk, batchSize - first);
    const chunk = count === batchSize ? dy : copyLeading(backend, dy, first, count);
    const dy2d = reshape(backend, chunk, [count * pixels, outChannels]);
    const columns = runWasmKernel(
      'BatchMatMul',
      backend,
      { a: dy2d, b: filterT },
      {
        transposeA: false,
        transposeB: false,
      },
    );
    scatterColumns(float32View(backend, columns), float32View(backend, dx), info, first, count);
    disposeAll(backend, chunk === dy ? [dy2d, columns] : [dy2d, columns, chunk]);
  }
  return dx;
}

/** col2im: adds each row of `columns` (one output pixel's `fh·fw·in` taps) into `dx`. */
function scatterColumns(
  columns: Float32Array,
  dx: Float32Array,
  info: backend_util.Conv2DInfo,
  firstImage: number,
  imageCount: number,
): void {
  const { inHeight, inWidth, inChannels, outHeight, outWidth, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const rowTaps = filterWidth * inChannels;
  let c = 0;
  for (let n = firstImage; n < firstImage + imageCount; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      for (let ox = 0; ox < outWidth; ox++) {
        const x0 = ox * strideWidth - padLeft;
        // Undilated and inside the input, one filter row's taps are one contiguous run of dx.
        const rowInside = dilationWidth === 1 && x0 >= 0 && x0 + filterWidth <= inWidth;
        for (let kh = 0; kh < filterHeight; kh++) {
          const iy = oy * strideHeight - padTop + kh * dilationHeight;
          if (iy < 0 || iy >= inHeight) {
            c += rowTaps;
            continue;
          }
          const rowBase = (n * inHeight + iy) * inWidth;
          if (rowInside) {
            const d = (rowBase + x0) * inChannels;
            for (let j = 0; j < rowTaps; j++) {
              dx[d + j]! += columns[c + j]!;
            }
            c += rowTaps;
            continue;
          }
          for (let kw = 0; kw < filterWidth; kw++, c += inChannels) {
            const ix = x0 + kw * dilationWidth;
            if (ix < 0 || ix >= inWidth) {
              continue;
            }
            const d = (rowBase + ix) * inChannels;
            for (let ci = 0; ci < inChannels; ci++) {
              dx[d + ci]! += columns[c + ci]!;
            }
          }
        }
      }
    }
  }
}

/** Kernel config (replaces the stock naive loop). */
export const conv2dBackpropInputConfig: KernelConfig = {
  kernelName: Conv2DBackpropInput,
  backendName: WASM,
  kernelFunc: conv2dBackpropInput as KernelConfig['kernelFunc'],
};
