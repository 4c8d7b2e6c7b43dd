import * as tf from '@tensorflow/tfjs-core';

/** Tolerances for comparing floats computed on a backend. */
export interface CloseOptions {
  /** Relative tolerance per element. Default: {@link backendEpsilon}. */
  rtol?: number;
  /** Absolute tolerance, as a fraction of the largest |expected| (at least 1). Default: {@link backendEpsilon}. */
  atol?: number;
}

/**
 * The float tolerance for the active backend: 1e-4 for 32-bit backends (different summation orders
 * on GPUs and in XNNPACK differ by about 1e-6 relative; this leaves room for deep chains), 1e-2
 * for backends that compute in 16 bits.
 */
export function backendEpsilon(): number {
  return tf.backend().floatPrecision() === 32 ? 1e-4 : 1e-2;
}

/** A tensor, a number, or a (nested) array of numbers. */
export type Numeric = tf.Tensor | number | ArrayLike<number> | readonly Numeric[];

// Reads asynchronously: WebGPU in Node cannot read synchronously (its dataSync needs OffscreenCanvas).
async function values(value: Numeric): Promise<{ data: ArrayLike<number>; shape: number[] | undefined }> {
  if (value instanceof tf.Tensor)
    return { data: (await value.data()) as ArrayLike<number>, shape: value.shape };
  if (typeof value === 'number') return { data: [value], shape: undefined };
  if (Array.isArray(value))
    return { data: (value as unknown[]).flat(Number.POSITIVE_INFINITY) as number[], shape: undefined };
  return { data: value as ArrayLike<number>, shape: undefined };
}

/**
 * Asserts that two tensors (or arrays) have the same shape and elementwise
 * `|actual − expected| ≤ atol·max(1, max|expected|) + rtol·|expected|`, with tolerances from the
 * backend's precision unless given. The error reports the worst element.
 */
export async function expectTensorsClose(
  actual: Numeric,
  expected: Numeric,
  options: CloseOptions = {},
): Promise<void> {
  const a = await values(actual);
  const e = await values(expected);
  if (a.shape && e.shape && !tf.util.arraysEqual(a.shape, e.shape)) {
    throw new Error(`Shapes differ: actual [${a.shape}], expected [${e.shape}].`);
  }
  if (a.data.length !== e.data.length) {
    throw new Error(`Sizes differ: actual ${a.data.length} elements, expected ${e.data.length}.`);
  }
  const epsilon = backendEpsilon();
  const rtol = options.rtol ?? epsilon;
  let scale = 1;
  for (let i = 0; i < e.data.length; i++) scale = Math.max(scale, Math.abs(e.data[i] as number));
  const atol = (options.atol ?? epsilon) * scale;
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.data.length; i++) {
    const want = e.data[i] as number;
    const got = a.data[i] as number;
    const excess = Math.abs(got - want) - (atol + rtol * Math.abs(want));
    if (Number.isNaN(got) !== Number.isNaN(want) || excess > worstExcess) {
      worst = i;
      worstExcess = Number.isNaN(excess) ? Number.POSITIVE_INFINITY : excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `Tensors differ at flat index ${worst}: actual ${a.data[worst]}, expected ${e.data[worst]} ` +
        `(atol ${atol.toExponential(2)}, rtol ${rtol.toExponential(2)}, backend '${tf.getBackend()}').`,
    );
  }
}
