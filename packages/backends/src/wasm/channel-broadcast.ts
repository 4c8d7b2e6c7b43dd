import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { Add, backend_util, Multiply, RealDiv, Sub, util } from '@tensorflow/tfjs-core';
import { disposeAll, type KernelArgs, reshape, type WasmBackend, wrapStock } from './internal-wasm-backend';

/** The arithmetic kernels {@link createChannelBroadcastConfig} wraps. */
export const CHANNEL_BROADCAST_KERNELS: readonly string[] = [Add, Sub, Multiply, RealDiv];

/** Below this many output elements the stock kernel's fixed costs dominate anyway. */
const MIN_SIZE = 4096;
/** Only short channel vectors are widened; XNNPACK handles long inner rows well. */
const MAX_CHANNELS = 32;
/** At most this many copies of the vector per row (rows of a few hundred values are plenty). */
const MAX_REPEATS = 256;

/** How to run `full ∘ perChannel` as a broadcast over long rows. */
export interface ChannelBroadcastPlan {
  /** Which input is the full tensor. */
  full: 'a' | 'b';
  /** Output shape (the broadcast shape). */
  outShape: number[];
  /** Copies of the channel vector per row: the largest divisor of the pixel count up to 256. */
  repeats: number;
  /** Channels (the full tensor's last dimension). */
  channels: number;
}

/**
 * Whether `a ∘ b` is a float32 tensor `[…, C]` combined with a per-channel vector (`[C]` or
 * `[1, …, 1, C]`) and worth widening; undefined otherwise.
 */
export function channelBroadcastPlan(a: TensorInfo, b: TensorInfo): ChannelBroadcastPlan | undefined {
  if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
  const sizeA = util.sizeFromShape(a.shape);
  const sizeB = util.sizeFromShape(b.shape);
  const full = sizeA > sizeB ? 'a' : 'b';
  const [big, small] = full === 'a' ? [a, b] : [b, a];
  const rank = big.shape.length;
  const channels = big.shape[rank - 1] ?? 0;
  const smallSize = full === 'a' ? sizeB : sizeA;
  const perChannel =
    small.shape.length > 0 &&
    small.shape[small.shape.length - 1] === channels &&
    smallSize === channels &&
    small.shape.length <= rank + 1;
  const size = util.sizeFromShape(big.shape);
  if (!perChannel || rank < 2 || channels > MAX_CHANNELS || size < MIN_SIZE) return undefined;
  const pixels = size / channels;
  let repeats = Math.min(MAX_REPEATS, pixels);
  while (pixels % repeats !== 0) repeats--;
  if (repeats < 2) return undefined;
  const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  return { full, outShape, repeats, channels };
}

/**
 * A wasm `Add`/`Sub`/`Multiply`/`RealDiv` with a fast path for a tensor `[…, C]` and a
 * per-channel vector of a few channels (an image's mean and std, a bias): the vector is repeated `k`
 * times (`k ≤ 256` dividing the pixel count) and the tensor viewed as rows of `k·C`, so XNNPACK broadcasts along long rows instead of
 * three-element ones (a 224×224×3 image times its 3 channel scales: 0.37 → about 0.1 ms). The values
 * are the same, element for element. Every other case goes to the stock kernel.
 *
 * @param stock - The stock wasm config of the same kernel.
 */
export function createChannelBroadcastConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const plan = channelBroadcastPlan(a, b);
    if (plan === undefined) return stock.kernelFunc({ inputs, backend, attrs }) as TensorInfo;
    const wasm = backend as WasmBackend;
    const [big, small] = plan.full === 'a' ? [a, b] : [b, a];
    const rowLength = plan.repeats * plan.channels;
    const rows = reshape(wasm, big, [util.sizeFromShape(big.shape) / rowLength, rowLength]);
    const repeated = wasm.makeOutput([rowLength], 'float32');
    const vector = wasm.typedArrayFromHeap(small) as Float32Array;
    const target = wasm.typedArrayFromHeap(repeated) as Float32Array;
    for (let r = 0; r < plan.repeats; r++) target.set(vector, r * plan.channels);
    const wide = stock.kernelFunc({
      inputs: plan.full === 'a' ? { a: rows, b: repeated } : { a: repeated, b: rows },
      backend,
      attrs,
    }) as TensorInfo;
    const out = reshape(wasm, wide, plan.outShape);
    disposeAll(wasm, [rows, repeated, wide]);
    return out;
  };
  return wrapStock(stock, kernelFunc);
}
