import type { backend_util, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs-core';
import { runWasmKernel, type WasmBackend } from './internal-wasm-backend';

/**
 * The window maxima from the wasm (XNNPACK) `MaxPool` kernel, as candidates for
 * {@link poolArgmax}. XNNPACK derives the output size from the padding with floor rounding; where
 * `info` rounds otherwise (`dimRoundingMode` 'round' or 'ceil') its layout would not match, so the
 * result is all NaN instead, which makes {@link poolArgmax} scan every window.
 *
 * @param attrs - `filterSize`, `strides` and `pad` of the pooling (no `dimRoundingMode`).
 */
export function xnnpackMaxima(
  backend: WasmBackend,
  x: TensorInfo,
  info: backend_util.Conv2DInfo,
  attrs: NamedAttrMap,
): TensorInfo {
  const { inHeight, inWidth, outHeight, outWidth, padInfo } = info;
  const rows =
    Math.floor((inHeight + padInfo.top + padInfo.bottom - info.effectiveFilterHeight) / info.strideHeight) +
    1;
  const cols =
    Math.floor((inWidth + padInfo.left + padInfo.right - info.effectiveFilterWidth) / info.strideWidth) + 1;
  if (rows === outHeight && cols === outWidth) {
    return runWasmKernel('MaxPool', backend, { x }, attrs);
  }
  const maxima = backend.makeOutput(info.outShape, 'float32');
  backend.typedArrayFromHeap(maxima).fill(Number.NaN);
  return maxima;
}

/** What {@link poolArgmax} does with each window's position. */
export interface ArgmaxOutput {
  /** Receives one flat input index per output element (−1 for none). */
  positions?: Int32Array;
  /** With `dx`: the gradient of the pooled output, added into `dx` at each position. */
  dy?: Float32Array;
  /** With `dy`: the input gradient to accumulate into (zeroed by the caller). */
  dx?: Float32Array;
  /** Whether to write corrected maxima back into `maxima` (default true; false for a caller's tensor). */
  correctMaxima?: boolean;
}

/**
 * For each pooling window and channel, the flat NHWC index into `x` of its maximum, with tfjs-cpu's
 * `maxPoolPositions` semantics: padding never wins, the first maximum in row-major window order
 * wins ties, NaN never wins, and a window without any value above `-Infinity` gets `-1`.
 *
 * `maxima` holds a candidate maximum per window: XNNPACK's `MaxPool` of `x`, or the forward output
 * `maxPool` saved for its gradient. Knowing the value, the position is the first tap equal to it
 * (branch-free bit masks for whole 2×2 and 3×3 windows). A candidate that no tap equals (a padding
 * value, NaN), that some tap exceeds (an inconsistent `output`), or that is −∞ (XNNPACK's answer
 * for some windows holding a NaN) makes that window be rescanned in full, so the result never
 * depends on where the candidates came from.
 *
 * @param x - The pooled input, NHWC float32.
 * @param info - `computePool2DInfo` of the pooling.
 * @param maxima - One candidate maximum per output element; corrected in place where needed unless
 *   `output.correctMaxima` is false.
 * @param output - Where the positions go: written to `positions`, and/or used to add `dy` into `dx`.
 */
export function poolArgmax(
  x: Float32Array,
  info: backend_util.Conv2DInfo,
  maxima: Float32Array,
  output: ArgmaxOutput,
): void {
  const { positions, dy, dx, correctMaxima = true } = output;
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth } = info;
  const { filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const padTop = info.padInfo.top;
  const padLeft = info.padInfo.left;
  const rowStride = inWidth * inChannels;
  const columnStride = dilationWidth * inChannels;
  const tapRowStride = dilationHeight * rowStride;
  // Unrolled scans for the usual 2×2 and 3×3 windows that lie wholly inside the input.
  const unrolled =
    (filterHeight === 3 && filterWidth === 3) || (filterHeight === 2 && filterWidth === 2) ? filterHeight : 0;
  // Input offsets (pixel · channels) of a border window's in-bounds taps, row-major.
  const taps = new Int32Array(filterHeight * filterWidth);
  // Offsets of an unrolled window's taps from its first, row-major.
  const offsets = new Int32Array(filterHeight * filterWidth);
  for (let kh = 0; kh < filterHeight; kh++) {
    for (let kw = 0; kw < filterWidth; kw++) {
      offsets[kh * filterWidth + kw] = kh * tapRowStride + kw * columnStride;
    }
  }
  let o = 0;
  for (let n = 0; n < batchSize; n++) {
    for (let oy = 0; oy < outHeight; oy++) {
      const y0 = oy * strideHeight - padTop;
      const rowInside = y0 >= 0 && y0 + (filterHeight - 1) * dilationHeight < inHeight;
      for (let ox = 0; ox < outWidth; ox++, o += inChannels) {
        const x0 = ox * strideWidth - padLeft;
        const inside = rowInside && x0 >= 0 && x0 + (filterWidth - 1) * dilationWidth < inWidth;
        const corner = ((n * inHeight + y0) * inWidth + x0) * inChannels;
        let count = 0;
        if (!inside || unrolled === 0) {
          for (let kh = 0; kh < filterHeight; kh++) {
            const iy = y0 + kh * dilationHeight;
            if (iy < 0 || iy >= inHeight) {
              continue;
            }
            for (let kw = 0; kw < filterWidth; kw++) {
              const ix = x0 + kw * dilationWidth;
              if (ix >= 0 && ix < inWidth) {
                taps[count++] = ((n * inHeight + iy) * inWidth + ix) * inChannels;
              }
            }
          }
        }
        for (let c = 0; c < inChannels; c++) {
          const maximum = maxima[o + c]!;
          let position = -1;
          // XNNPACK returns −∞ for some windows that hold a NaN: rescan those (and all −∞
          // windows, which have no position for tfjs-cpu).
          if (maximum === Number.NEGATIVE_INFINITY) {
            position = -2;
          } else if (inside && unrolled === 3) {
            const r0 = corner + c;
            const r1 = r0 + tapRowStride;
            const r2 = r1 + tapRowStride;
            const a0 = x[r0]!;
            const a1 = x[r0 + columnStride]!;
            const a2 = x[r0 + 2 * columnStride]!;
            const a3 = x[r1]!;
            const a4 = x[r1 + columnStride]!;
            const a5 = x[r1 + 2 * columnStride]!;
            const a6 = x[r2]!;
            const a7 = x[r2 + columnStride]!;
            const a8 = x[r2 + 2 * columnStride]!;
            // Branch-free: which taps equal the maximum (a bit each), and whether any exceeds it.
            // Data-dependent if/else chains mispredict on nearly every window (~2× slower).
            const equal =
              +(a0 === maximum) |
              (+(a1 === maximum) << 1) |
              (+(a2 === maximum) << 2) |
              (+(a3 === maximum) << 3) |
              (+(a4 === maximum) << 4) |
              (+(a5 === maximum) << 5) |
              (+(a6 === maximum) << 6) |
              (+(a7 === maximum) << 7) |
              (+(a8 === maximum) << 8);
            const above =
              +(a0 > maximum) |
              +(a1 > maximum) |
              +(a2 > maximum) |
              +(a3 > maximum) |
              +(a4 > maximum) |
              +(a5 > maximum) |
              +(a6 > maximum) |
              +(a7 > maximum) |
              +(a8 > maximum);
            if (equal !== 0 && above === 0) {
              position = r0 + offsets[31 - Math.clz32(equal & -equal)]!;
            }
          } else if (inside && unrolled === 2) {
            const r0 = corner + c;
            const r1 = r0 + tapRowStride;
            const a0 = x[r0]!;
            const a1 = x[r0 + columnStride]!;
            const a2 = x[r1]!;
            const a3 = x[r1 + columnStride]!;
            const equal =
              +(a0 === maximum) |
              (+(a1 === maximum) << 1) |
              (+(a2 === maximum) << 2) |
              (+(a3 === maximum) << 3);
            const above = +(a0 > maximum) | +(a1 > maximum) | +(a2 > maximum) | +(a3 > maximum);
            if (equal !== 0 && above === 0) {
              position = r0 + offsets[31 - Math.clz32(equal & -equal)]!;
            }
          } else {
            for (let t = 0; t < count; t++) {
              const index = taps[t]! + c;
              const value = x[index]!;
              if (value > maximum) {
                position = -1;
                break;
              }
              if (position < 0 && value === maximum) {
                position = index;
              }
            }
          }
          if (position < 0) {
            position = rescan(x, info, n, y0, x0, c);
            if (correctMaxima) {
              maxima[o + c] = position >= 0 ? x[position]! : Number.NEGATIVE_INFINITY;
            }
          }
          if (positions !== undefined) {
            positions[o + c] = position;
          }
          if (dx !== undefined && position >= 0) {
            dx[position]! += dy![o + c]!;
          }
        }
      }
    }
  }
}

/**
 * Full scan of one window and channel, for a candidate maximum that no tap equals or some tap
 * exceeds; returns the position (−1 if no value exceeds −∞).
 */
function rescan(
  x: Float32Array,
  info: backend_util.Conv2DInfo,
  n: number,
  y0: number,
  x0: number,
  c: number,
): number {
  const { inHeight, inWidth, inChannels } = info;
  let best = Number.NEGATIVE_INFINITY;
  let position = -1;
  for (let kh = 0; kh < info.filterHeight; kh++) {
    const iy = y0 + kh * info.dilationHeight;
    if (iy < 0 || iy >= inHeight) {
      continue;
    }
    for (let kw = 0; kw < info.filterWidth; kw++) {
      const ix = x0 + kw * info.dilationWidth;
      if (ix < 0 || ix >= inWidth) {
        continue;
      }
      const index = ((n * inHeight + iy) * inWidth + ix) * inChannels + c;
      const value = x[index]!;
      if (value > best) {
        best = value;
        position = index;
      }
    }
  }
  return position;
}
