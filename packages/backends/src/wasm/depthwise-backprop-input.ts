import type {
  DepthwiseConv2dNativeBackpropInputAttrs,
  KernelConfig,
  TensorInfo,
} from '@tensorflow/tfjs-core';
import { backend_util, DepthwiseConv2dNativeBackpropInput } from '@tensorflow/tfjs-core';
import {
  cropToSpans,
  explicitPadding,
  flipTaps,
  transposedPadding,
  zeroDilate,
} from './internal-conv-geometry';
import { derivedTensor } from './internal-derived-cache';
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
 * `DepthwiseConv2dNativeBackpropInput` (the input gradient of `depthwiseConv2d`) on wasm, which
 * tfjs 4.22 lacks.
 *
 * An XNNPACK depthwise convolution of `dy` (zero-dilated first when strided) with the spatially
 * flipped filter, one output channel per `dy` channel, then a wasm `Sum` over the channel
 * multiplier. Any dilation and padding.
 */
export function depthwiseConv2dNativeBackpropInput({ inputs, backend, attrs }: KernelArgs): TensorInfo {
  const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
  const { strides, dilations, pad, dimRoundingMode, inputShape } =
    attrs as unknown as DepthwiseConv2dNativeBackpropInputAttrs;
  const info = backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as Shape4,
    strides,
    dilations ?? 1,
    pad,
    dimRoundingMode,
    true,
  );
  return depthwiseInputGradient(backend as WasmBackend, dy, filter, info);
}

/**
 * The input gradient of a depthwise convolution described by `info` (also `AvgPoolGrad`'s, with a
 * constant filter).
 *
 * @param filter - `[fh, fw, in, multiplier]`.
 */
export function depthwiseInputGradient(
  backend: WasmBackend,
  dy: TensorInfo,
  filter: TensorInfo,
  info: backend_util.Conv2DInfo,
): TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels, outChannels, filterHeight, filterWidth } = info;
  const { strideHeight, strideWidth } = info;
  const multiplier = outChannels / inChannels;
  const strided = strideHeight > 1 || strideWidth > 1;
  // A strided gradient is the stride-1 gradient of the zero-dilated dy: stride² as many
  // multiply-adds, but in XNNPACK instead of a JS scatter (~3× faster for 3×3, stride 2).
  const spread = strided ? zeroDilate(backend, dy, strideHeight, strideWidth) : dy;
  const [, spreadHeight, spreadWidth] = spread.shape as Shape4;
  const isPointwise = filterHeight === 1 && filterWidth === 1;
  const flipped = isPointwise
    ? filter
    : derivedTensor(backend, filter, 'flipped', () => flipTaps(backend, filter));
  // [fh, fw, in, multiplier] and [fh, fw, in·multiplier, 1] share a memory layout.
  const perChannel = reshape(backend, flipped, [filterHeight, filterWidth, outChannels, 1]);
  const { source, rows, cols, cropped } = cropToSpans(
    backend,
    spread,
    transposedPadding(inHeight, spreadHeight, info.effectiveFilterHeight, info.padInfo.top),
    transposedPadding(inWidth, spreadWidth, info.effectiveFilterWidth, info.padInfo.left),
  );
  const products = runWasmKernel(
    'DepthwiseConv2dNative',
    backend,
    { x: source, filter: perChannel },
    {
      strides: [1, 1],
      pad: explicitPadding(rows, cols),
      dilations: [info.dilationHeight, info.dilationWidth],
      dataFormat: 'NHWC',
    },
  );
  const intermediates = [perChannel];
  if (strided) {
    intermediates.push(spread);
  }
  if (cropped) {
    intermediates.push(source);
  }
  let dx = products;
  if (multiplier > 1) {
    const grouped = reshape(backend, products, [batchSize, inHeight, inWidth, inChannels, multiplier]);
    dx = runWasmKernel('Sum', backend, { x: grouped }, { axis: [4], keepDims: false });
    intermediates.push(grouped, products);
  }
  disposeAll(backend, intermediates);
  return dx;
}

/** Kernel config (tfjs-backend-wasm 4.22 has none). */
export const depthwiseConv2dNativeBackpropInputConfig: KernelConfig = {
  kernelName: DepthwiseConv2dNativeBackpropInput,
  backendName: WASM,
  kernelFunc: depthwiseConv2dNativeBackpropInput as KernelConfig['kernelFunc'],
};
