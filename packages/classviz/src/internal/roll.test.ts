import { describeOnBackends, expectNoLeak, seededValues } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { roll } from './roll';

/** np.roll on a flat NHWC array: out[y][x] = in[(y − dy) mod H][(x − dx) mod W]. */
function referenceRoll(values: Float32Array, [n, h, w, c]: number[], dy: number, dx: number): number[] {
  const out = new Array<number>(values.length);
  const mod = (a: number, m: number) => ((a % m) + m) % m;
  for (let b = 0; b < (n as number); b++)
    for (let y = 0; y < (h as number); y++)
      for (let x = 0; x < (w as number); x++)
        for (let k = 0; k < (c as number); k++) {
          const source =
            ((b * (h as number) + mod(y - dy, h as number)) * (w as number) + mod(x - dx, w as number)) *
              (c as number) +
            k;
          out[((b * (h as number) + y) * (w as number) + x) * (c as number) + k] = values[source] as number;
        }
  return out;
}

describeOnBackends('roll (CS231n jitter)', () => {
  const shape = [2, 5, 7, 3];
  const values = seededValues(2 * 5 * 7 * 3, 3, 0, 1);

  it('equals np.roll for positive, negative, zero and wrapping shifts', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, shape as [number, number, number, number]);
      for (const [dy, dx] of [
        [2, 3],
        [-1, 4],
        [0, 0],
        [5, 9],
        [0, -7],
      ] as const) {
        const rolled = roll(images, dy, dx);
        expect(Array.from(await rolled.data())).toEqual(referenceRoll(values, shape, dy, dx));
        if (rolled !== images) rolled.dispose();
      }
      images.dispose();
    });
  });

  it('round-trips exactly: rolling back restores every value bit for bit', async () => {
    await expectNoLeak(async () => {
      const images = tf.tensor4d(values, shape as [number, number, number, number]);
      const back = tf.tidy(() => roll(roll(images, 3, 6), -3, -6));
      expect(Array.from(await back.data())).toEqual(Array.from(values));
      tf.dispose([images, back]);
    });
  });
});
