import { backendEpsilon } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

/**
 * How many times PyTorch's own float32 error a netlens result may show. Both compute the same float32
 * operations in a different order (XNNPACK, tfjs' cpu loops, WebGPU shaders against MKL-DNN), so
 * their rounding errors are of the same size but not the same; 10× leaves room for that without
 * hiding a wrong formula, which shows up as errors of 1e-2 and more of the map's range.
 */
export const FLOAT32_FLOOR_FACTOR = 10;

/** How far one result lands from PyTorch's float64 run, in the units of {@link expectAtFloat32Floor}. */
export interface FloorComparison {
  /** Largest |actual − exact|. */
  maxAbs: number;
  /** `maxAbs / max|exact|`: the error relative to the map's range. */
  maxRel: number;
  /** PyTorch float32's own `max|t32 − t64| / max|t64|` on the same inputs. */
  floor: number;
}

/**
 * Asserts that `actual` equals PyTorch's float64 result `exact` (rounded to float32) to within
 * {@link FLOAT32_FLOOR_FACTOR} times the float32 floor: `max|actual − exact| / max|exact| ≤ factor ·
 * floor`, where `floor` is how far PyTorch's own float32 run of the same computation lands from
 * float64 (the reference scripts write it). A 16-bit backend's floor is scaled by its precision
 * (`backendEpsilon() / 1e-4`). Logs the numbers for the record.
 * @returns the measured differences.
 */
export async function expectAtFloat32Floor(
  label: string,
  actual: tf.Tensor | readonly number[],
  exact: ArrayLike<number>,
  floor: number,
  factor = FLOAT32_FLOOR_FACTOR,
): Promise<FloorComparison> {
  const values = actual instanceof tf.Tensor ? await actual.data() : actual;
  expect(values.length).toBe(exact.length);
  let maxAbs = 0;
  let range = 0;
  for (let i = 0; i < exact.length; i++) {
    const difference = Math.abs((values[i] as number) - (exact[i] as number));
    // NaN compares false: make it fail loudly instead of vanishing from the maximum.
    maxAbs = Number.isNaN(difference) ? Number.POSITIVE_INFINITY : Math.max(maxAbs, difference);
    range = Math.max(range, Math.abs(exact[i] as number));
  }
  const maxRel = maxAbs / range;
  const tolerance = factor * floor * (backendEpsilon() / 1e-4);
  console.log(
    `${label} [${tf.getBackend()}]: max abs ${maxAbs.toExponential(2)}, max rel ${maxRel.toExponential(2)} ` +
      `(PyTorch float32 floor ${floor.toExponential(2)}, ${(maxRel / floor).toFixed(2)}× it; limit ${tolerance.toExponential(2)})`,
  );
  expect(range).toBeGreaterThan(0);
  expect(maxRel).toBeLessThanOrEqual(tolerance);
  return { maxAbs, maxRel, floor };
}
