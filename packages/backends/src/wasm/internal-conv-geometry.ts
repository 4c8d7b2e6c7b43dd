import type { TensorInfo } from '@tensorflow/tfjs-core';
import { copyHeapBytes, runWasmKernel, type WasmBackend } from './internal-wasm-backend';

/**
 * The filter `[fh, fw, …]` with both spatial axes reversed. The taps are contiguous blocks, so this
 * is `fh·fw` block copies; the stock wasm `Reverse` kernel takes milliseconds on a 3×3×64×256 filter.
 */
export function flipTaps(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [height, width] = filter.shape as [number, number];
  const taps = height * width;
  const block = filter.shape.slice(2).reduce((a, b) => a * b, 1);
  const out = backend.makeOutput(filter.shape, filter.dtype);
  const source = backend.typedArrayFromHeap(filter);
  const target = backend.typedArrayFromHeap(out);
  for (let tap = 0; tap < taps; tap++) {
    const from = (taps - 1 - tap) * block;
    target.set(source.subarray(from, from + block), tap * block);
  }
  return out;
}

/** Tile edge of the blocked filter transpose. */
const TILE = 16;

/** Padding before and after one spatial dimension. */
export interface Span {
  before: number;
  after: number;
}

/**
 * `[fh, fw, in, out]` → `[fh, fw, out, in]` with both spatial axes reversed: the filter of the
 * convolution that computes a stride-1 convolution's input gradient. One JS pass in 16×16
 * tiles (~3× faster than untiled on 1×1×512×1000; the wasm `Transpose` kernel plus `Reverse` is slower still).
 */
export function flipAndTransposeFilter(backend: WasmBackend, filter: TensorInfo): TensorInfo {
  const [height, width, inChannels, outChannels] = filter.shape as [number, number, number, number];
  const taps = height * width;
  const block = inChannels * outChannels;
  const out = backend.makeOutput([height, width, outChannels, inChannels], filter.dtype);
  const source = backend.typedArrayFromHeap(filter);
  const target = backend.typedArrayFromHeap(out);
  // 16×16 tiles keep both the strided reads and the writes in L1 (a 1×1×512×1000 filter: ~3×).
  for (let tap = 0; tap < taps; tap++) {
    const from = (taps - 1 - tap) * block;
    const to = tap * block;
    for (let ci0 = 0; ci0 < inChannels; ci0 += TILE) {
      const ci1 = Math.min(inChannels, ci0 + TILE);
      for (let co0 = 0; co0 < outChannels; co0 += TILE) {
        const co1 = Math.min(outChannels, co0 + TILE);
        for (let co = co0; co < co1; co++) {
          const row = to + co * inChannels;
          for (let ci = ci0; ci < ci1; ci++) {
            target[row + ci] = source[from + ci * outChannels + co]!;
          }
        }
      }
    }
  }
  return out;
}

/**
 * `dy` `[N, H, W, C]` spread out to `[N, (H−1)·strideHeight+1, (W−1)·strideWidth+1, C]` with zeros
 * between its pixels, so that a strided convolution's input gradient becomes a stride-1 one.
 */
export function zeroDilate(
  backend: WasmBackend,
  dy: TensorInfo,
  strideHeight: number,
  strideWidth: number,
): TensorInfo {
  const [batch, height, width, channels] = dy.shape as [number, number, number, number];
  const outHeight = (height - 1) * strideHeight + 1;
  const outWidth = (width - 1) * strideWidth + 1;
  const out = backend.makeOutput([batch, outHeight, outWidth, channels], dy.dtype);
  const target = backend.typedArrayFromHeap(out);
  target.fill(0);
  const source = backend.typedArrayFromHeap(dy);
  const heap = new Uint8Array(source.buffer);
  let s = 0;
  for (let n = 0; n < batch; n++) {
    for (let y = 0; y < height; y++) {
      const row = (n * outHeight + y * strideHeight) * outWidth;
      for (let x = 0; x < width; x++, s += channels) {
        copyHeapBytes(heap, target, (row + x * strideWidth) * channels, source, s, channels);
      }
    }
  }
  return out;
}

/**
 * The padding of the stride-1 correlation of `dy` with the spatially flipped filter that yields a
 * stride-1 convolution's input gradient: `dx[i] = Σ_k dy[i + padBefore - k·dilation] · w[k]`.
 * Either side may come out negative (explicit padding wider than the filter); see {@link cropToSpans}.
 *
 * @param inSize - Size of the forward input along this dimension (the size of `dx`).
 * @param outSize - Size of the forward output (the size of `dy`).
 * @param effectiveFilterSize - `(filterSize - 1) · dilation + 1`.
 * @param padBefore - The forward convolution's padding before this dimension.
 */
export function transposedPadding(
  inSize: number,
  outSize: number,
  effectiveFilterSize: number,
  padBefore: number,
): Span {
  return { before: effectiveFilterSize - 1 - padBefore, after: inSize + padBefore - outSize };
}

/**
 * XNNPACK accepts only non-negative padding, so a negative span becomes a crop of `dy` and a zero
 * pad. Returns `dy` itself (no copy) in the usual case where both spans are non-negative.
 */
export function cropToSpans(
  backend: WasmBackend,
  dy: TensorInfo,
  rows: Span,
  cols: Span,
): { source: TensorInfo; rows: Span; cols: Span; cropped: boolean } {
  if (rows.before >= 0 && rows.after >= 0 && cols.before >= 0 && cols.after >= 0) {
    return { source: dy, rows, cols, cropped: false };
  }
  const [batch, height, width, channels] = dy.shape as [number, number, number, number];
  const top = Math.max(0, -rows.before);
  const left = Math.max(0, -cols.before);
  const bottom = Math.max(0, -rows.after);
  const right = Math.max(0, -cols.after);
  const source = runWasmKernel(
    'Slice',
    backend,
    { x: dy },
    { begin: [0, top, left, 0], size: [batch, height - top - bottom, width - left - right, channels] },
  );
  return {
    source,
    rows: { before: Math.max(0, rows.before), after: Math.max(0, rows.after) },
    cols: { before: Math.max(0, cols.before), after: Math.max(0, cols.after) },
    cropped: true,
  };
}

/** `[[0, 0], [top, bottom], [left, right], [0, 0]]`, tfjs' explicit NHWC padding. */
export function explicitPadding(rows: Span, cols: Span): [number, number][] {
  return [
    [0, 0],
    [rows.before, rows.after],
    [cols.before, cols.after],
    [0, 0],
  ];
}
