import {
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { checkDirectionalGradient } from './__fixtures__/directional-gradient';
import { gaussianBlur } from './internal/gaussian-blur';
import { blurPenalty, l1, l2, totalVariation } from './regularizers';

describeOnBackends('regularizers', () => {
  const shape = [2, 3, 4, 2] as [number, number, number, number];
  // Seed 29: every neighbour difference and |x − 0.5| exceeds 0.014, so the ±1e-3 numeric steps
  // never cross a kink of |·|.
  const values = seededValues(48, 29, 0, 1);
  const at = (b: number, y: number, x: number, c: number) => values[((b * 3 + y) * 4 + x) * 2 + c] as number;
  const perImage = (fn: (b: number) => number) => [fn(0), fn(1)];
  const sumOver = (fn: (y: number, x: number, c: number) => number, h = 3, w = 4) => {
    let total = 0;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 2; c++) total += fn(y, x, c);
    return total;
  };

  it('compute L1, L2 and total variation by their definitions', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, shape);
      const cases = [
        [l1(1, { center: 0.5 }), perImage((b) => sumOver((y, x, c) => Math.abs(at(b, y, x, c) - 0.5)))],
        [l2(1), perImage((b) => sumOver((y, x, c) => at(b, y, x, c) ** 2))],
        [
          totalVariation(1),
          perImage(
            (b) =>
              sumOver((y, x, c) => Math.abs(at(b, y + 1, x, c) - at(b, y, x, c)), 2, 4) +
              sumOver((y, x, c) => Math.abs(at(b, y, x + 1, c) - at(b, y, x, c)), 3, 3),
          ),
        ],
      ] as const;
      for (const [regularizer, expected] of cases) {
        const penalty = regularizer.penalty(images);
        await expectTensorsClose(penalty, expected);
        penalty.dispose();
      }
      images.dispose();
    });
  });

  it('match numeric gradients (L1, L2, total variation)', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, shape);
      for (const regularizer of [l1(1, { center: 0.5 }), l2(1, { center: 0.2 }), totalVariation(1)]) {
        await checkDirectionalGradient((x: tf.Tensor4D) => tf.sum(regularizer.penalty(x)), images);
      }
      images.dispose();
    });
  });

  it("blurPenalty's gradient is x − blur(x): the blurred target is held constant", async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, shape);
      const regularizer = blurPenalty(1, { sigma: 0.8 });
      const gradient = tf.grad((x: tf.Tensor) => tf.sum(regularizer.penalty(x as tf.Tensor4D)))(images);
      const expected = tf.tidy(() => tf.sub(images, gaussianBlur(images, 0.8)));
      await expectTensorsClose(gradient, expected);
      const penalty = regularizer.penalty(images);
      const half = tf.tidy(() => tf.mul(0.5, tf.sum(tf.square(expected), [1, 2, 3])));
      await expectTensorsClose(penalty, half);
      tf.dispose([images, gradient, expected, penalty, half]);
    });
  });

  it('reject negative weights and bad options', () => {
    expect(() => l1(-1)).toThrow(/weight/);
    expect(() => l2(Number.NaN)).toThrow(/weight/);
    expect(() => blurPenalty(1, { sigma: 0 })).toThrow(/sigma/);
  });
});
