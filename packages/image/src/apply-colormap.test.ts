import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { applyColormap, type Colormap, colormapNames } from './apply-colormap';

function hex(color: string): number[] {
  return [1, 3, 5].map((start) => Number.parseInt(color.slice(start, start + 2), 16) / 255);
}

/** Colours of `values` (each a scalar) under `colormap`, as flat RGB. */
async function colors(values: number[], colormap?: Colormap): Promise<Float32Array> {
  return expectNoLeak(async () => {
    const input = tf.tensor3d(values, [1, 1, values.length]);
    const output = applyColormap(input, colormap);
    expect(output.shape).toEqual([1, 1, values.length, 3]);
    const data = (await output.data()) as Float32Array;
    tf.dispose([input, output]);
    return data;
  });
}

// One 8-bit level: the viridis table is stored as 8-bit hex.
const LEVEL = 1 / 255;

describeOnBackends('applyColormap', () => {
  it('viridis endpoints are #440154 and #fde725, and the midpoint is #21918c within one level', async () => {
    await expectTensorsClose(await colors([0, 1], 'viridis'), [...hex('#440154'), ...hex('#fde725')], {
      atol: 1e-6,
      rtol: 0,
    });
    await expectTensorsClose(await colors([0.5], 'viridis'), hex('#21918c'), { atol: LEVEL, rtol: 0 });
  });

  it('defaults to viridis', async () => {
    await expectTensorsClose(await colors([0]), hex('#440154'), { atol: 1e-6, rtol: 0 });
  });

  it('hot runs from (0.0416, 0, 0) to white through red (x = 0.365079) and yellow (x = 0.746032)', async () => {
    const result = await colors([0, 1, 0.5], 'hot');
    // At 0.5, red is saturated, green is (0.5 − 0.365079) / (0.746032 − 0.365079), blue 0.
    await expectTensorsClose(
      result,
      [0.0416, 0, 0, 1, 1, 1, 1, (0.5 - 0.365079) / (0.746032 - 0.365079), 0],
      {
        atol: 1e-5,
        rtol: 0,
      },
    );
  });

  it('jet runs from dark blue (0, 0, 0.5) to dark red (0.5, 0, 0), with matplotlib segment values at 0.5', async () => {
    const result = await colors([0, 1, 0.5], 'jet');
    const red = (0.5 - 0.35) / (0.66 - 0.35);
    const blue = 1 - (0.5 - 0.34) / (0.65 - 0.34);
    await expectTensorsClose(result, [0, 0, 0.5, 0.5, 0, 0, red, 1, blue], { atol: 1e-5, rtol: 0 });
  });

  it('gray is the identity on each channel', async () => {
    const values = [0, 0.1, 0.25, 0.5, 0.9, 1];
    await expectTensorsClose(
      await colors(values, 'gray'),
      values.flatMap((v) => [v, v, v]),
      { atol: 1e-6, rtol: 0 },
    );
  });

  it('bwr is blue, white, red; coolwarm has Moreland endpoints and a light grey centre', async () => {
    await expectTensorsClose(await colors([0, 1, 0.25], 'bwr'), [0, 0, 1, 1, 0, 0, 0.5, 0.5, 1], {
      atol: 1e-6,
      rtol: 0,
    });
    await expectTensorsClose(
      await colors([0, 1], 'coolwarm'),
      [0.2298057, 0.298717966, 0.753683153, 0.705673158, 0.01555616, 0.150232812],
      { atol: 1e-5, rtol: 0 },
    );
    // The 0.5 knot falls between table entries 127 and 128, so the centre is exact to one level.
    await expectTensorsClose(await colors([0.5], 'bwr'), [1, 1, 1], { atol: LEVEL, rtol: 0 });
    await expectTensorsClose(await colors([0.5], 'coolwarm'), [0.865395197, 0.86541021, 0.865395561], {
      atol: LEVEL,
      rtol: 0,
    });
  });

  it('clamps out-of-range values and draws NaN as 0', async () => {
    const result = await colors([-3, 7, Number.NaN, Number.POSITIVE_INFINITY], 'hot');
    await expectTensorsClose(result, [0.0416, 0, 0, 1, 1, 1, 0.0416, 0, 0, 1, 1, 1], { atol: 1e-6, rtol: 0 });
  });

  it('accepts a custom colour list, evenly spaced and interpolated', async () => {
    const result = await colors(
      [0, 0.25, 0.75, 1],
      [
        [0, 0, 0],
        [1, 0, 0],
        [1, 1, 0],
      ],
    );
    await expectTensorsClose(result, [0, 0, 0, 0.5, 0, 0, 1, 0.5, 0, 1, 1, 0], { atol: 1e-6, rtol: 0 });
  });

  it('maps [N, H, W, 1] and [N, H, W] batches to [N, H, W, 3]', async () => {
    await expectNoLeak(async () => {
      const values = tf.tensor4d([0, 1, 1, 0, 0.5, 0.5], [2, 1, 3, 1]);
      const output = applyColormap(values, 'gray');
      expect(output.shape).toEqual([2, 1, 3, 3]);
      await expectTensorsClose(
        output,
        [0, 1, 1, 0, 0.5, 0.5].map((v) => [v, v, v]),
      );
      tf.dispose([values, output]);
    });
  });

  it('lists every built-in name, and each gives colours in [0, 1]', async () => {
    expect(colormapNames).toEqual(['gray', 'hot', 'jet', 'viridis', 'bwr', 'coolwarm']);
    for (const name of colormapNames) {
      const result = await colors(
        Array.from({ length: 11 }, (_, i) => i / 10),
        name,
      );
      expect(Math.min(...result)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...result)).toBeLessThanOrEqual(1);
    }
  });

  it('rejects wrong ranks, several channels and unknown colormaps with typed errors, leaking nothing', async () => {
    await expectNoLeak(() => {
      const matrix = tf.zeros([4, 4]);
      const rgb = tf.zeros([1, 2, 2, 3]);
      const single = tf.zeros([1, 2, 2]);
      const cases: [() => unknown, string][] = [
        [() => applyColormap(matrix as tf.Tensor3D), 'values'],
        [() => applyColormap(rgb as tf.Tensor4D), 'values'],
        [() => applyColormap(single as tf.Tensor3D, 'rainbow' as Colormap), 'colormap'],
        [() => applyColormap(single as tf.Tensor3D, [[0, 0, 0]]), 'colormap'],
        [
          () =>
            applyColormap(single as tf.Tensor3D, [
              [0, 0, 0],
              [0, 2, 0],
            ]),
          'colormap[1]',
        ],
      ];
      for (const [body, argument] of cases) {
        const error = thrown(body);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
      expect((thrown(cases[0]![0]) as Error).message).toContain('rank 2');
      tf.dispose([matrix, rgb, single]);
    });
  });
});
