import { backend_util, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs-core';
import { type KernelArgs, type Shape4, wrapStock } from './internal-wasm-backend';

/** The wasm convolutions that hand TensorFlow `SAME` padding to XNNPACK as a flag. */
export const SAME_PADDING_KERNELS: readonly string[] = [
  'Conv2D',
  'DepthwiseConv2dNative',
  'FusedConv2D',
  'FusedDepthwiseConv2D',
];

const DEPTHWISE = new Set(['DepthwiseConv2dNative', 'FusedDepthwiseConv2D']);

/**
 * A wasm convolution that gives `'same'` padding to the stock kernel as explicit padding where the
 * windows end before the input does. The stock kernels pass `'same'` to XNNPACK as
 * `XNN_FLAG_TENSORFLOW_SAME_PADDING`, which computes the padding `(out − 1)·stride + filter − in`
 * without clamping it at 0; when that is negative (a stride larger than the filter, e.g. a 2×2
 * filter with stride 3 on 6 pixels), tfjs 4.22 returns all zeros (a bias and activation alone for
 * the fused kernels). TensorFlow pads such an axis by 0, which explicit padding says exactly; every
 * other call goes to the stock kernel unchanged.
 *
 * @param stock - The stock wasm config of one of {@link SAME_PADDING_KERNELS}.
 */
export function createSamePaddingConfig(stock: KernelConfig): KernelConfig {
  const depthwise = DEPTHWISE.has(stock.kernelName);
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo | TensorInfo[] => {
    const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
    const convAttrs = attrs as unknown as {
      strides: number | [number, number];
      dilations: number | [number, number];
      pad: unknown;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (convAttrs.pad !== 'same' || x.shape.length !== 4 || filter.shape.length !== 4) {
      return stock.kernelFunc({ inputs, backend, attrs });
    }
    const info = backend_util.computeConv2DInfo(
      x.shape as Shape4,
      filter.shape as Shape4,
      convAttrs.strides,
      convAttrs.dilations ?? 1,
      'same',
      convAttrs.dimRoundingMode,
      depthwise,
    );
    const rowsLeft = (info.outHeight - 1) * info.strideHeight + info.effectiveFilterHeight - info.inHeight;
    const columnsLeft = (info.outWidth - 1) * info.strideWidth + info.effectiveFilterWidth - info.inWidth;
    if (rowsLeft >= 0 && columnsLeft >= 0) return stock.kernelFunc({ inputs, backend, attrs });
    const { top, bottom, left, right } = info.padInfo;
    const explicit = {
      ...attrs,
      pad: [
        [0, 0],
        [top, bottom],
        [left, right],
        [0, 0],
      ],
    } as unknown as NamedAttrMap;
    return stock.kernelFunc({ inputs, backend, attrs: explicit });
  };
  return wrapStock(stock, kernelFunc);
}
