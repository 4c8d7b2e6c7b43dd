import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors';
import { seededValues } from '../seeded-random';
import { describeOnBackends } from './describe-on-backends';
import { expectNoLeak } from './expect-no-leak';
import { numericGradient } from './numeric-gradient';

const SIZE = 9;
const POOLED = 4;

/** Largest |a − b| over two arrays. */
function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let largest = 0;
  for (let i = 0; i < a.length; i++)
    largest = Math.max(largest, Math.abs((a[i] as number) - (b[i] as number)));
  return largest;
}

/**
 * d/dx of Σ w·maxPool3×3/2(x), in float64: each window's weight goes to its largest value. Also the
 * smallest gap between a window's two largest values, which says how close the nearest kink is.
 */
function maxPoolReference(x: Float32Array, weights: Float32Array) {
  const gradient = new Float64Array(x.length);
  let smallestGap = Number.POSITIVE_INFINITY;
  for (let row = 0; row < POOLED; row++) {
    for (let column = 0; column < POOLED; column++) {
      const window: number[] = [];
      for (let i = 0; i < 3; i++)
        for (let j = 0; j < 3; j++) window.push((2 * row + i) * SIZE + 2 * column + j);
      window.sort((a, b) => (x[b] as number) - (x[a] as number));
      const [first, second] = window as [number, number];
      smallestGap = Math.min(smallestGap, (x[first] as number) - (x[second] as number));
      gradient[first] = (gradient[first] as number) + (weights[row * POOLED + column] as number);
    }
  }
  return { gradient, smallestGap };
}

describeOnBackends('numericGradient', () => {
  it('is right across the switches of an overlapping 3×3 stride-2 max pool', async () => {
    // Seed 3 puts windows' two largest values closer than the default step (0.01): a plain
    // centered difference there is off by up to half the window's weight (0.28 measured).
    const values = seededValues(SIZE * SIZE, 3, 0, 1);
    const weights = seededValues(POOLED * POOLED, 103, -1, 1);
    const reference = maxPoolReference(values, weights);
    expect(reference.smallestGap).toBeLessThan(1e-2);
    const x = tf.tensor4d(values, [1, SIZE, SIZE, 1]);
    const w = tf.tensor4d(weights, [1, POOLED, POOLED, 1]);
    const f = (input: tf.Tensor4D) => tf.sum(tf.mul(tf.maxPool(input, 3, 2, 'valid'), w)) as tf.Scalar;
    await expectNoLeak(async () => {
      const numeric = await numericGradient(f, x);
      const largest = Math.max(...reference.gradient.map(Math.abs));
      expect(maxDifference(await numeric.data(), reference.gradient)).toBeLessThan(1e-3 * largest);
      numeric.dispose();
    });
    tf.dispose([x, w]);
  });

  it('is right next to ReLU kinks and keeps the one step on smooth functions', async () => {
    // relu(x − c) with x within the default step of c for a third of the elements: d/dx = [x > c].
    const values = seededValues(30, 7, -1, 1);
    const centres = values.map((value, i) => value + (i % 3 === 0 ? (i % 2 === 0 ? 4e-3 : -6e-3) : 0.5));
    const weights = seededValues(30, 8, 0.5, 2);
    const x = tf.tensor1d(values);
    const c = tf.tensor1d(centres);
    const w = tf.tensor1d(weights);
    const relu = (input: tf.Tensor1D) => tf.sum(tf.mul(tf.relu(tf.sub(input, c)), w)) as tf.Scalar;
    // Σ w·tanh(3x): d/dx = 3w(1 − tanh²(3x)), in float64.
    const smooth = (input: tf.Tensor1D) => tf.sum(tf.mul(tf.tanh(tf.mul(input, 3)), w)) as tf.Scalar;
    await expectNoLeak(async () => {
      const reluGradient = await numericGradient(relu, x);
      const expectedRelu = Array.from(values, (value, i) =>
        value > (centres[i] as number) ? (weights[i] as number) : 0,
      );
      expect(maxDifference(await reluGradient.data(), expectedRelu)).toBeLessThan(1e-3);
      const smoothGradient = await numericGradient(smooth, x);
      const expectedSmooth = Array.from(
        values,
        (value, i) => 3 * (weights[i] as number) * (1 - Math.tanh(3 * value) ** 2),
      );
      expect(maxDifference(await smoothGradient.data(), expectedSmooth)).toBeLessThan(2e-3);
      tf.dispose([reluGradient, smoothGradient]);
    });
    tf.dispose([x, c, w]);
  });

  it('refuses a step that does not move a value in float32', async () => {
    const x = tf.tensor1d([1e6, 1]);
    await expectNoLeak(async () => {
      const error = await numericGradient((input) => tf.sum(input), x, { delta: 1e-3 }).catch(
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(/options\.delta.*x\[0\] = 1000000/);
    });
    x.dispose();
  });
});
