import type {
  DepthwiseConv2dNativeBackpropFilterAttrs,
  KernelConfig,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { backend_util, DepthwiseConv2dNativeBackpropFilter } from '@tensorflow/tfjs-core';
import { cropToSpans, explicitPadding } from './internal-conv-geometry';
import { swapLeadingAxes } from './internal-transpose';
import {
  disposeAll,
  type KernelArgs,
  reshape,
  runWasmKernel,
  type Shape4,
  WASM,
  type WasmBackend,
} from './internal-wasm-backend';

/**
 * `DepthwiseConv2dNativeBackpropFilter` (the filter gradient of `depthwiseConv2d`) on wasm, which
 * tfjs 4.22 lacks.
 *
 * `dW[kh, kw, c, q] = Σ_{n, oy, ox} x[n, oy·s − pad + kh·d, …, c] · dy[n, oy, ox, c·M + q]` is itself
 * a depthwise convolution: with `x` as `[1, H, W, N·C]` and `dy` as the filter `[OH, OW, N·C, M]`,
 * output stride `d` and filter dilation `s` (the forward dilation and stride swap roles), one XNNPACK
 * `DepthwiseConv2dNative` yields `[fh, fw, N·C·M]`, and a wasm `Sum` over `N` finishes. The two
 * relayouts are row moves inside the wasm heap.
 */
export function depthwiseConv2dNativeBackpropFilter({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const wasm = backend as WasmBackend;
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, filterShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropFilterAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as Shape4,
    filterShape,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const multiplier = outChannels / inChannels;
  const channels = batchSize * inChannels;

  const pixelsFirst = swapLeadingAxes(wasm, x, batchSize, inHeight * inWidth, inChannels);
  const input = reshape(wasm, pixelsFirst, [1, inHeight, inWidth, channels]);
  const dyPixelsFirst = swapLeadingAxes(wasm, dy, batchSize, outHeight * outWidth, outChannels);
  const filter = reshape(wasm, dyPixelsFirst, [outHeight, outWidth, channels, multiplier]);
  // Pad (or crop) the input so that exactly fh × fw outputs come out.
  const span = (
    inSize: number,
    padBefore: number,
    taps: number,
    dilation: number,
    outSize: number,
    stride: number,
  ) => ({
    before: padBefore,
    after: (taps - 1) * dilation + (outSize - 1) * stride + 1 - inSize - padBefore,
  });
  const { source, rows, cols, cropped } = cropToSpans(
    wasm,
    input,
    span(inHeight, info.padInfo.top, filterHeight, dilationHeight, outHeight, strideHeight),
    span(inWidth, info.padInfo.left, filterWidth, dilationWidth, outWidth, strideWidth),
  );
  const perImage = runWasmKernel(
    'DepthwiseConv2dNative',
    wasm,
    { x: source, filter },
    {
      strides: [dilationHeight, dilationWidth],
      dilations: [strideHeight, strideWidth],
      pad: explicitPadding(rows, cols),
      dataFormat: 'NHWC',
    },
  );
  const grouped = reshape(wasm, perImage, [filterHeight, filterWidth, batchSize, outChannels]);
  const summed = runWasmKernel('Sum', wasm, { x: grouped }, { axis: [2], keepDims: false });
  const dw = reshape(wasm, summed, info.filterShape);
  const intermediates = [pixelsFirst, input, dyPixelsFirst, filter, perImage, grouped, summed];
  if (cropped) {
    intermediates.push(source);
  }
  disposeAll(wasm, intermediates);
  return dw;
}

/** Kernel config (tfjs-backend-wasm 4.22 has none). */
export const depthwiseConv2dNativeBackpropFilterConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropFilter,
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropFilter as KernelConfig['kernelFunc'],
};
