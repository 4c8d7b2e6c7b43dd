import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { type NormalizeAttributionOptions, normalizeAttribution } from './normalize-attribution';

/** Normalises `values` shaped `shape`, checks the output shape and for leaks, returns the values. */
async function normalize(
  values: number[],
  shape: number[],
  options?: NormalizeAttributionOptions,
): Promise<Float32Array> {
  return expectNoLeak(async () => {
    const input = tf.tensor<tf.Rank>(values, shape) as tf.Tensor4D;
    const output = normalizeAttribution(input, options);
    expect(output.shape).toEqual([...shape.slice(0, 3), 1]);
    const data = (await output.data()) as Float32Array;
    tf.dispose([input, output]);
    return data;
  });
}

const SIGNED = [1, -2, 3, -4];

describeOnBackends('normalizeAttribution', () => {
  it('percentile 100 scales each sign mode by its maximum (hand-computed)', async () => {
    const shape = [1, 1, 4, 1];
    await expectTensorsClose(await normalize(SIGNED, shape, { percentile: 100 }), [0.25, 0.5, 0.75, 1]);
    await expectTensorsClose(await normalize(SIGNED, shape, { percentile: 100, signMode: 'positive' }), [
      1 / 3,
      0,
      1,
      0,
    ]);
    await expectTensorsClose(
      await normalize(SIGNED, shape, { percentile: 100, signMode: 'negative' }),
      [0, 0.5, 0, 1],
    );
    // 'all': v / 4 in [−1, 1], then (v + 1) / 2.
    await expectTensorsClose(
      await normalize(SIGNED, shape, { percentile: 100, signMode: 'all' }),
      [0.625, 0.25, 0.875, 0],
    );
  });

  it('clips at the 99.5th percentile with NumPy linear interpolation', async () => {
    // Values 1..100: rank 0.995 × 99 = 98.505, so the span is 99 + 0.505 × (100 − 99) = 99.505.
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const result = await normalize(values, [1, 10, 10]);
    const span = 99.505;
    await expectTensorsClose(
      result,
      values.map((v) => Math.min(1, v / span)),
    );
    expect(result[99]).toBe(1);
    expect(result[98]).toBeLessThan(1);
  });

  it('uses the 99.5th percentile by default but accepts another', async () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    // 50th percentile of 1..100 = 50.5.
    await expectTensorsClose(
      await normalize(values, [1, 10, 10], { percentile: 50 }),
      values.map((v) => Math.min(1, v / 50.5)),
    );
  });

  it('reduces channels: sum of |v| for abs, signed sum otherwise', async () => {
    // One pixel with channels [1, −2, 3] and one with [0, 0, 1]: abs sums 6 and 1, signed sums 2 and 1.
    const values = [1, -2, 3, 0, 0, 1];
    const shape = [1, 1, 2, 3];
    await expectTensorsClose(await normalize(values, shape, { percentile: 100 }), [1, 1 / 6]);
    await expectTensorsClose(await normalize(values, shape, { percentile: 100, signMode: 'all' }), [1, 0.75]);
  });

  it('normalises each image of a batch on its own scale', async () => {
    const result = await normalize([1, 2, 10, 20], [2, 1, 2], { percentile: 100 });
    await expectTensorsClose(result, [0.5, 1, 0.5, 1]);
  });

  it('keeps an all-zero map at 0 (0.5 for all), scales a sparse one by its max, and treats NaN as 0', async () => {
    await expectTensorsClose(await normalize([0, 0, 0, 0], [1, 2, 2]), [0, 0, 0, 0]);
    await expectTensorsClose(
      await normalize([0, 0, 0, 0], [1, 2, 2], { signMode: 'all' }),
      [0.5, 0.5, 0.5, 0.5],
    );
    // 1 non-zero in 1000: the 99.5th percentile is 0, so the max (5) is the scale.
    const sparse = new Array<number>(1000).fill(0);
    sparse[7] = 5;
    sparse[8] = 2.5;
    const result = await normalize(sparse, [1, 10, 100]);
    expect([result[7], result[8], result[0]]).toEqual([1, 0.5, 0]);
    await expectTensorsClose(
      await normalize([Number.NaN, 2, 1, 0], [1, 2, 2], { percentile: 100 }),
      [0, 1, 0.5, 0],
    );
  });

  it('renormalize: false only clips (and maps [−1, 1] to [0, 1] for all)', async () => {
    const values = [0.5, -2, 3, -0.25];
    const shape = [1, 1, 4];
    await expectTensorsClose(await normalize(values, shape, { renormalize: false }), [0.5, 1, 1, 0.25]);
    await expectTensorsClose(
      await normalize(values, shape, { renormalize: false, signMode: 'positive' }),
      [0.5, 0, 1, 0],
    );
    await expectTensorsClose(
      await normalize(values, shape, { renormalize: false, signMode: 'negative' }),
      [0, 1, 0, 0.25],
    );
    await expectTensorsClose(
      await normalize(values, shape, { renormalize: false, signMode: 'all' }),
      [0.75, 0, 1, 0.375],
    );
  });

  it('rejects bad ranks and options with typed errors naming the argument, leaking nothing', async () => {
    await expectNoLeak(() => {
      const matrix = tf.zeros([3, 3]);
      const map = tf.zeros([1, 3, 3]);
      const cases: [() => unknown, string][] = [
        [() => normalizeAttribution(matrix as tf.Tensor3D), 'attribution'],
        [() => normalizeAttribution('gradients' as unknown as tf.Tensor3D), 'attribution'],
        [() => normalizeAttribution(map as tf.Tensor3D, { percentile: 101 }), 'options.percentile'],
        [() => normalizeAttribution(map as tf.Tensor3D, { signMode: 'both' as 'all' }), 'options.signMode'],
      ];
      for (const [body, argument] of cases) {
        const error = thrown(body);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
      tf.dispose([matrix, map]);
    });
  });
});
