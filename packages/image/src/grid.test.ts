import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { grid } from './grid';
import { GLYPH_HEIGHT, glyphPixel } from './internal/bitmap-font';

/** Pixel rows of a `[1, H, W, 1]` grid as nested arrays. */
async function rows(sheet: tf.Tensor4D): Promise<number[][]> {
  const [, height, width] = sheet.shape;
  const data = await sheet.data();
  return Array.from({ length: height }, (_, y) => Array.from(data.subarray(y * width, (y + 1) * width)));
}

describeOnBackends('grid', () => {
  it('lays out cells with padding between and around, filling empty cells with the background', async () => {
    await expectNoLeak(async () => {
      const images = [0.1, 0.2, 0.3].map((v) => tf.fill([2, 2, 1], v) as tf.Tensor3D);
      const sheet = grid(images, { columns: 2, padding: 1, background: 0 });
      // 2 rows × (1 + 2) + 1 = 7 high, 2 columns × (2 + 1) + 1 = 7 wide, grey stays 1 channel.
      expect(sheet.shape).toEqual([1, 7, 7, 1]);
      const a = 0.1;
      const b = 0.2;
      const c = 0.3;
      await expectTensorsClose(await rows(sheet), [
        [0, 0, 0, 0, 0, 0, 0],
        [0, a, a, 0, b, b, 0],
        [0, a, a, 0, b, b, 0],
        [0, 0, 0, 0, 0, 0, 0],
        [0, c, c, 0, 0, 0, 0],
        [0, c, c, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0, 0],
      ]);
      tf.dispose([...images, sheet]);
    });
  });

  it('centres smaller images in cells sized to the largest, and takes batches as several cells', async () => {
    await expectNoLeak(async () => {
      const batch = tf.tidy(() =>
        tf.concat([tf.fill([1, 3, 3, 1], 0.5), tf.fill([1, 3, 3, 1], 0.25)]),
      ) as tf.Tensor4D;
      const dot = tf.ones([1, 1, 1]) as tf.Tensor3D;
      const sheet = grid([dot, batch], { columns: 3, padding: 0, background: 0 });
      expect(sheet.shape).toEqual([1, 3, 9, 1]);
      const h = 0.5;
      const q = 0.25;
      await expectTensorsClose(await rows(sheet), [
        [0, 0, 0, h, h, h, q, q, q],
        [0, 1, 0, h, h, h, q, q, q],
        [0, 0, 0, h, h, h, q, q, q],
      ]);
      tf.dispose([batch, dot, sheet]);
    });
  });

  it('defaults to ceil(sqrt(n)) columns, RGB output for colour input and alpha composited over the background', async () => {
    await expectNoLeak(async () => {
      const rgba = tf.tensor4d([1, 0, 0, 0.5], [1, 1, 1, 4]);
      const batch = tf.concat([rgba, rgba, rgba, rgba, rgba]) as tf.Tensor4D;
      const sheet = grid(batch, { padding: 0, background: [0, 0, 1] });
      expect(sheet.shape).toEqual([1, 2, 3, 3]);
      const half = [0.5, 0, 0.5];
      await expectTensorsClose(sheet, [half, half, half, half, half, [0, 0, 1]]);
      tf.dispose([rgba, batch, sheet]);
    });
  });

  it('draws labels with the 5×7 font under each cell, in black on a light background', async () => {
    await expectNoLeak(async () => {
      const image = tf.ones([2, 5, 1]) as tf.Tensor3D;
      const sheet = grid([image], { padding: 0, labels: ['T'] });
      // Strip: (7 + 4) × scale 1 rows; the glyph starts 2 rows down, centred in a 5-wide cell.
      const stripHeight = GLYPH_HEIGHT + 4;
      expect(sheet.shape).toEqual([1, 2 + stripHeight, 5, 1]);
      const expected: number[][] = [new Array(5).fill(1), new Array(5).fill(1)];
      for (let y = 0; y < stripHeight; y++) {
        const glyphRow = y - 2;
        expected.push(
          Array.from({ length: 5 }, (_, x) =>
            glyphRow >= 0 && glyphRow < 7 && glyphPixel('T', glyphRow, x) ? 0 : 1,
          ),
        );
      }
      // T: a full top bar and a centre stem.
      expect(expected[4]).toEqual([0, 0, 0, 0, 0]);
      expect(expected[5]).toEqual([1, 1, 0, 1, 1]);
      await expectTensorsClose(await rows(sheet), expected);
      tf.dispose([image, sheet]);
    });
  });

  it('uses white text on a dark background and shortens labels that do not fit', async () => {
    await expectNoLeak(async () => {
      const image = tf.zeros([1, 20, 1]) as tf.Tensor3D;
      const sheet = grid([image], { padding: 0, background: 0, labels: ['abcdef'] });
      const data = await rows(sheet);
      expect(Math.max(...data.flat())).toBe(1);
      // 20 px hold three 6-px advances: "abcdef" → "a..", 17 px wide, starting at column 1. Glyph row 5
      // (sheet row 1 + 2 + 5) has 'a' ink at x0 and x0 + 4, '.' ink at x0 + 1 and x0 + 2.
      const ink = [1, 5, 8, 9, 14, 15];
      expect(data[1 + 2 + 5]).toEqual(Array.from({ length: 20 }, (_, x) => (ink.includes(x) ? 1 : 0)));
      tf.dispose([image, sheet]);
    });
  });

  it('rejects bad inputs with typed errors naming the argument, leaking nothing', async () => {
    await expectNoLeak(() => {
      const image = tf.zeros([2, 2, 3]) as tf.Tensor3D;
      const matrix = tf.zeros([2, 2]);
      const twoChannel = tf.zeros([2, 2, 2]);
      const cases: [() => unknown, string][] = [
        [() => grid([image, matrix as tf.Tensor3D]), 'images[1]'],
        [() => grid([twoChannel as tf.Tensor3D]), 'images[0]'],
        [() => grid([]), 'images'],
        [() => grid('images' as unknown as tf.Tensor4D), 'images'],
        [() => grid([image], { labels: ['a', 'b'] }), 'options.labels'],
        [() => grid([image], { columns: 0 }), 'options.columns'],
        [() => grid([image], { background: [0, 0, 2] }), 'options.background'],
      ];
      for (const [body, argument] of cases) {
        const error = thrown(body);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
      tf.dispose([image, matrix, twoChannel]);
    });
  });
});
