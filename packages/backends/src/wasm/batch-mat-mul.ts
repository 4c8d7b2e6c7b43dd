import type { BatchMatMulAttrs, KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { broadcast_util, util } from '@tensorflow/tfjs-core';
import { swapLeadingAxes, transposeMatrices } from './internal-transpose';
import {
  copyLeading,
  disposeAll,
  type KernelArgs,
  reshape,
  runConfig,
  type WasmBackend,
  wrapStock,
} from './internal-wasm-backend';

/**
 * Below this many multiply-adds per batch entry the stock kernel's own loop beats the extra kernel
 * calls of the GEMM route.
 */
const SMALL_PRODUCT = 4096;

/**
 * `BatchMatMul` on wasm. The stock kernel reaches XNNPACK's GEMM only without transpose flags and
 * with a batch of 1; otherwise it runs a scalar loop at 0.5–2 GFLOP/s (against ~20), and the stock
 * matMul gradients always set a flag. This kernel materialises flagged operands with a tiled JS
 * transpose (the stock wasm `Transpose` takes ~7 ms on 512×2048) and folds the batch into the GEMM:
 *
 * - both batch 1: one GEMM, or `outᵀ = op(b)ᵀ·op(a)ᵀ` when that moves fewer floats;
 * - `b` batch 1: `a` becomes `[1, batch·M, K]`, one GEMM;
 * - `a` batch 1: `b` becomes `[K, batch·N]`, one GEMM, and the `[M, batch, N]` result is transposed;
 * - both batched: one GEMM per output batch entry, with NumPy broadcasting of the batch dimensions
 *   (the stock kernel clamps batch indexes instead, which is wrong for e.g. `[3,…]×[2,3,…]`).
 *
 * Tiny products with simple batching go to the stock kernel unchanged.
 *
 * @param stock - The stock wasm `BatchMatMul` config; it runs the GEMMs.
 */
export function createBatchMatMulConfig(stock: KernelConfig): KernelConfig {
  const kernelFunc = ({ inputs, backend, attrs }: KernelArgs): TensorInfo => {
    const wasm = backend as WasmBackend;
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as unknown as BatchMatMulAttrs;
    const aRank = a.shape.length;
    const bRank = b.shape.length;
    const m = a.shape[transposeA ? aRank - 1 : aRank - 2]!;
    const k = a.shape[transposeA ? aRank - 2 : aRank - 1]!;
    const kB = b.shape[transposeB ? bRank - 1 : bRank - 2]!;
    const n = b.shape[transposeB ? bRank - 2 : bRank - 1]!;
    const outerA = a.shape.slice(0, -2);
    const outerB = b.shape.slice(0, -2);
    const batchA = util.sizeFromShape(outerA);
    const batchB = util.sizeFromShape(outerB);
    if (a.dtype !== 'float32' || b.dtype !== 'float32' || k !== kB) {
      // The stock kernel throws the usual errors.
      return runConfig(stock, wasm, inputs, attrs);
    }
    const outerOut = broadcast_util.assertAndGetBroadcastShape(outerA, outerB);
    const outShape = [...outerOut, m, n];
    const batch = util.sizeFromShape(outerOut);
    const simpleBatching = batchA === batchB || batchA === 1 || batchB === 1;
    const isGemm = !transposeA && !transposeB && batchA === 1 && batchB === 1;
    if (isGemm || batch * m * n * k === 0 || (simpleBatching && m * n * k < SMALL_PRODUCT)) {
      return runConfig(stock, wasm, inputs, attrs);
    }
    const gemm = (left: TensorInfo, right: TensorInfo): TensorInfo =>
      runConfig(stock, wasm, { a: left, b: right }, { transposeA: false, transposeB: false });

    if (batchA === 1 && batchB === 1 && preferTransposedProduct(transposeA, transposeB, m, k, n)) {
      // outᵀ = op(b)ᵀ · op(a)ᵀ, where a flagged operand is already in the layout needed.
      const left = transposeB ? reshape(wasm, b, [1, n, k]) : transposeMatrices(wasm, b, 1, k, n);
      const right = transposeA ? reshape(wasm, a, [1, k, m]) : transposeMatrices(wasm, a, 1, m, k);
      const productT = gemm(left, right);
      const product = transposeMatrices(wasm, productT, 1, n, m);
      const out = reshape(wasm, product, outShape);
      disposeAll(wasm, [left, right, productT, product]);
      return out;
    }
    if (batchB === 1) {
      // [batch·M, K] · [K, N]
      const left = transposeA
        ? transposeMatrices(wasm, a, batchA, k, m)
        : reshape(wasm, a, [1, batchA * m, k]);
      const left2d = reshape(wasm, left, [1, batchA * m, k]);
      const right = transposeB ? transposeMatrices(wasm, b, 1, n, k) : reshape(wasm, b, [1, k, n]);
      const product = gemm(left2d, right);
      const out = reshape(wasm, product, outShape);
      disposeAll(wasm, [left, left2d, right, product]);
      return out;
    }
    if (batchA === 1) {
      // [M, K] · [K, batch·N], then [M, batch, N] → [batch, M, N]
      const left = transposeA ? transposeMatrices(wasm, a, 1, k, m) : reshape(wasm, a, [1, m, k]);
      const wide = transposeB
        ? transposeMatrices(wasm, b, 1, batchB * n, k)
        : swapLeadingAxes(wasm, b, batchB, k, n);
      const right = reshape(wasm, wide, [1, k, batchB * n]);
      const product = gemm(left, right);
      const batched = swapLeadingAxes(wasm, product, m, batchB, n);
      const out = reshape(wasm, batched, outShape);
      disposeAll(wasm, [left, wide, right, product, batched]);
      return out;
    }
    return perBatch(wasm, a, b, { transposeA, transposeB, m, k, n, outerA, outerB, outerOut, gemm });
  };
  return wrapStock(stock, kernelFunc);
}

/**
 * Whether `outᵀ = op(b)ᵀ · op(a)ᵀ` moves fewer floats than `op(a) · op(b)`: each route pays for
 * transposing the operands that are not already in place, for XNNPACK packing its right operand,
 * and the transposed route for transposing the product back. For the gradient `dy · Bᵀ` of a wide
 * layer (`[50, 2048] · [2048, 512]ᵀ`) it avoids transposing and packing the 1M-float `B`.
 */
function preferTransposedProduct(transposeA: boolean, transposeB: boolean, m: number, k: number, n: number) {
  const direct = (transposeA ? m * k : 0) + (transposeB ? k * n : 0) + k * n;
  const transposed = (transposeB ? 0 : k * n) + (transposeA ? 0 : m * k) + m * k + m * n;
  return transposed < direct;
}

interface PerBatchPlan {
  transposeA: boolean;
  transposeB: boolean;
  m: number;
  k: number;
  n: number;
  outerA: number[];
  outerB: number[];
  outerOut: number[];
  gemm: (left: TensorInfo, right: TensorInfo) => TensorInfo;
}

function perBatch(backend: WasmBackend, a: TensorInfo, b: TensorInfo, plan: PerBatchPlan): TensorInfo {
  const { transposeA, transposeB, m, k, n, outerA, outerB, outerOut, gemm } = plan;
  const batchA = util.sizeFromShape(outerA);
  const batchB = util.sizeFromShape(outerB);
  const left = transposeA ? transposeMatrices(backend, a, batchA, k, m) : reshape(backend, a, [batchA, m, k]);
  const right = transposeB
    ? transposeMatrices(backend, b, batchB, n, k)
    : reshape(backend, b, [batchB, k, n]);
  const batch = util.sizeFromShape(outerOut);
  const out = backend.makeOutput([...outerOut, m, n], 'float32');
  // XNNPACK caches the packed right operand by tensor id, so each distinct right slice is kept.
  const rightSlices = new Map<number, TensorInfo>();
  for (let i = 0; i < batch; i++) {
    const indexA = broadcastIndex(i, outerOut, outerA);
    const indexB = broadcastIndex(i, outerOut, outerB);
    let rightSlice = rightSlices.get(indexB);
    if (rightSlice === undefined) {
      rightSlice = copyLeading(backend, right, indexB, 1);
      rightSlices.set(indexB, rightSlice);
    }
    const leftSlice = copyLeading(backend, left, indexA, 1);
    const product = gemm(leftSlice, rightSlice);
    backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(product), i * m * n);
    disposeAll(backend, [leftSlice, product]);
  }
  disposeAll(backend, [...rightSlices.values()]);
  disposeAll(backend, [left, right]);
  return out;
}

/** The flat batch index of an operand with batch shape `operand` for output batch entry `index`. */
function broadcastIndex(index: number, output: number[], operand: number[]): number {
  let result = 0;
  let stride = 1;
  let rest = index;
  const offset = output.length - operand.length;
  for (let axis = output.length - 1; axis >= 0; axis--) {
    const size = output[axis]!;
    const coordinate = rest % size;
    rest = (rest - coordinate) / size;
    const operandAxis = axis - offset;
    if (operandAxis >= 0) {
      const operandSize = operand[operandAxis]!;
      result += (operandSize === 1 ? 0 : coordinate) * stride;
      stride *= operandSize;
    }
  }
  return result;
}
