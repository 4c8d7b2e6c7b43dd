// Test support for the wasm gradient kernels: seeded data, cpu-vs-wasm runs, leak checks.
// Imported by `*.test.ts` files only.
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';
import { seededValues as uniformValues } from '../../seeded-random';
import { installWasmGradients } from '../install';

/**
 * Relative tolerance of a wasm result against tfjs-cpu's: about 800 float32 ulps (2⁻²³ ≈ 1.2e-7),
 * room for the different summation orders of XNNPACK, the JS loops and tfjs-cpu.
 */
export const TOLERANCE = 1e-4;

/** The two backends every parity test runs on. */
export type ParityBackend = 'cpu' | 'wasm';

/** Initialises cpu and wasm and installs netlens' wasm kernels; leaves cpu active. */
export async function setupParityBackends(): Promise<void> {
  await initializeStockWasm();
  await tf.ready();
  installWasmGradients();
  await tf.setBackend('cpu');
}

/**
 * Initialises tfjs' wasm backend directly (not through netlens' runtime entry, so the stock kernels
 * are what it starts with). In browser test runs the binaries come from the test server's
 * `/wasm-binaries/` route (vitest.browser.shared.ts); in Node tfjs finds them itself.
 */
export async function initializeStockWasm(): Promise<void> {
  if (typeof window !== 'undefined') setWasmPaths('/wasm-binaries/');
  await tf.setBackend('wasm');
}

/** Deterministic values in [-scale, scale), identical on every backend (the testing module's mulberry32). */
export function seededValues(size: number, seed: number, scale = 1): Float32Array {
  return uniformValues(size, seed, -scale, scale);
}

/** A seeded float32 tensor on the active backend. */
export function seededTensor<T extends tf.Tensor = tf.Tensor>(shape: number[], seed: number, scale = 1): T {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(seededValues(size, seed, scale), shape) as T;
}

/**
 * Runs `compute` on `backend` inside `tf.tidy` and downloads every output, so that each backend
 * builds its inputs from the same seeded data.
 */
export async function computeOn(
  backend: ParityBackend,
  compute: () => tf.Tensor | tf.Tensor[],
): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  return tf.tidy(() => {
    const outputs = compute();
    const list = Array.isArray(outputs) ? outputs : [outputs];
    return list.map((tensor) => Float32Array.from(tensor.dataSync()));
  });
}

/** The largest absolute difference and the reference scale `max(1, max |expected|)`. */
export function compare(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
): { diff: number; scale: number } {
  let diff = 0;
  let scale = 1;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i]! - expected[i]!));
    scale = Math.max(scale, Math.abs(expected[i]!));
  }
  if (actual.length !== expected.length) {
    diff = Number.POSITIVE_INFINITY;
  }
  return { diff, scale };
}

/** Asserts `max |actual − expected| ≤ TOLERANCE · max(1, max |expected|)`. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label = ''): void {
  const { diff, scale } = compare(actual, expected);
  expect(actual.length, label).toBe(expected.length);
  expect(diff, `${label} max abs diff ${diff} (scale ${scale})`).toBeLessThanOrEqual(TOLERANCE * scale);
}

/** Runs `compute` on cpu and on wasm and asserts that every output agrees. */
export async function expectWasmMatchesCpu(
  compute: () => tf.Tensor | tf.Tensor[],
  label = '',
): Promise<void> {
  const expected = await computeOn('cpu', compute);
  const actual = await computeOn('wasm', compute);
  expect(actual.length).toBe(expected.length);
  expected.forEach((values, i) => {
    expectClose(actual[i]!, values, `${label} output ${i}`);
  });
}

function wasmDataIds(): number {
  return tf.findBackend('wasm')?.numDataIds() ?? 0;
}

/** Asserts that `body` leaves neither tensors nor wasm data behind. */
export async function expectNoLeaks(body: () => Promise<void>): Promise<void> {
  const tensors = tf.memory().numTensors;
  const dataIds = wasmDataIds();
  await body();
  expect(tf.memory().numTensors, 'tensors leaked').toBe(tensors);
  expect(wasmDataIds(), 'wasm data ids leaked').toBe(dataIds);
}

/** tfjs' conv2d padding: a mode, or explicit NHWC `[before, after]` pairs. */
export type ConvPad =
  | 'valid'
  | 'same'
  | [[number, number], [number, number], [number, number], [number, number]];

/** One conv2d parity case: input and filter shapes, strides and padding. */
export interface ConvCase {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: ConvPad;
}

/** Explicit NHWC padding of a conv2d. */
export function explicitPad(top: number, bottom: number, left: number, right: number): ConvPad {
  return [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ];
}

/**
 * The conv2d cases of the backprop parity suites: three inputs, 1×1, 3×3, 2×3 and 5×5 filters
 * with `outChannels` outputs, every stride and padding given ('valid' only where the filter fits).
 */
export function convCases(
  stridesList: readonly ConvCase['strides'][],
  pads: readonly ConvPad[],
  outChannels: number,
): ConvCase[] {
  const cases: ConvCase[] = [];
  for (const x of [
    [2, 7, 7, 3],
    [1, 8, 6, 5],
    [3, 9, 10, 4],
  ] as const) {
    for (const [fh, fw] of [
      [1, 1],
      [3, 3],
      [2, 3],
      [5, 5],
    ] as const) {
      for (const strides of stridesList) {
        for (const pad of pads) {
          if (pad === 'valid' && (fh > x[1] || fw > x[2])) {
            continue;
          }
          cases.push({ x: [...x], filter: [fh, fw, x[3], outChannels], strides, pad });
        }
      }
    }
  }
  return cases;
}

/** How a pooled input is drawn: plain, all ≤ 0, or rounded to a few levels so that windows tie. */
export type PoolData = 'random' | 'negative' | 'ties';

/** A seeded pooling input in [-3, 3) drawn as `data` says. */
export function poolInput(
  shape: [number, number, number, number],
  data: PoolData,
  seed: number,
): tf.Tensor4D {
  const values = seededValues(
    shape.reduce((a, b) => a * b, 1),
    seed,
    3,
  );
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    values[i] = data === 'negative' ? -Math.abs(value) : data === 'ties' ? Math.round(value) : value;
  }
  return tf.tensor4d(values, shape);
}
