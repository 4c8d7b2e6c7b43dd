import { checkGradient, describeOnBackends, expectNoLeak, seededValues } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { jitter, pad, randomRotate, randomScale } from '../transforms';
import { type RandomSource, randomSource } from './random';
import { resample, samplingPlan } from './resample';

/** A source whose integers are always `low` (no jitter offset) and whose choices are the first. */
const fixedSource: RandomSource = {
  ...randomSource(0),
  integer: (low) => low,
  choice: (choices) => choices[0] as never,
};

describeOnBackends('transform resampling', () => {
  const size = 4;
  const values = seededValues(2 * size * size * 2, 4, 0, 1);
  const at = (b: number, y: number, x: number, c: number) =>
    values[((b * size + y) * size + x) * 2 + c] as number;

  it('pad then jitter by whole pixels copies pixels exactly and fills the border with the pad value', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, [2, size, size, 2]);
      // Canvas 4 + 2 − 2 = 4 at offset 0: output (y, x) shows input (y − 1, x − 1).
      const plan = samplingPlan([pad(1, { value: 0.25 }), jitter(2)], [2, size, size], fixedSource);
      const out = tf.tidy(() => resample(images, plan));
      const expected = [0, 1].flatMap((b) =>
        Array.from({ length: size * size * 2 }, (_, i) => {
          const [y, x, c] = [Math.floor(i / (size * 2)), Math.floor(i / 2) % size, i % 2];
          return y === 0 || x === 0 ? 0.25 : at(b, y - 1, x - 1, c);
        }),
      );
      expect(Array.from(await out.data())).toEqual(Array.from(Float32Array.from(expected)));
      tf.dispose([images, out]);
    });
  });

  it('rotates a square by 90° exactly and leaves scale 1 / rotate 0 as the identity', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, [2, size, size, 2]);
      const rotated = tf.tidy(() =>
        resample(images, samplingPlan([randomRotate([90])], [2, size, size], fixedSource)),
      );
      const expected = [0, 1].flatMap((b) =>
        Array.from({ length: size * size * 2 }, (_, i) => {
          const [y, x, c] = [Math.floor(i / (size * 2)), Math.floor(i / 2) % size, i % 2];
          return at(b, x, size - 1 - y, c);
        }),
      );
      expect(Array.from(await rotated.data())).toEqual(Array.from(Float32Array.from(expected)));
      const same = tf.tidy(() =>
        resample(images, samplingPlan([randomScale([1]), randomRotate([0])], [2, size, size], fixedSource)),
      );
      expect(Array.from(await same.data())).toEqual(Array.from(values));
      tf.dispose([images, rotated, same]);
    });
  });

  it('interpolates bilinearly: scale 0.5 of a 4² image averages 2×2 blocks (after the centre crop)', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, [2, size, size, 2]);
      // Canvas 2×2; output pixel (y, x) maps to canvas (y − 1, x − 1) → source 2(y − 1) + 0.5.
      const plan = samplingPlan([randomScale([0.5])], [2, size, size], fixedSource);
      const out = tf.tidy(() => resample(images, plan));
      const data = await out.data();
      const block = (b: number, y: number, x: number, c: number) =>
        (at(b, y, x, c) + at(b, y + 1, x, c) + at(b, y, x + 1, c) + at(b, y + 1, x + 1, c)) / 4;
      expect(data[((0 * size + 1) * size + 1) * 2 + 1]).toBeCloseTo(block(0, 0, 0, 1), 5);
      expect(data[((1 * size + 2) * size + 2) * 2 + 0]).toBeCloseTo(block(1, 2, 2, 0), 5);
      tf.dispose([images, out]);
    });
  });

  it('passes a numeric gradient check through pad, jitter, scale and rotate', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, [2, size, size, 2]);
      const weights = tf.tensor4d(seededValues(values.length, 8, -1, 1), [2, size, size, 2]);
      const plan = samplingPlan(
        [pad(1, { mode: 'reflect' }), jitter(1), randomScale([1.1]), randomRotate([17])],
        [2, size, size],
        randomSource(1),
      );
      await checkGradient((x: tf.Tensor4D) => tf.sum(tf.mul(resample(x, plan), weights)), images);
      const constant = samplingPlan([pad(2), randomRotate([30])], [2, size, size], randomSource(2));
      await checkGradient((x: tf.Tensor4D) => tf.sum(tf.mul(resample(x, constant), weights)), images);
      tf.dispose([images, weights]);
    });
  });
});
