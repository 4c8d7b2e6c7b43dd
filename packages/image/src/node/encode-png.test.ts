import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import pngjs from 'pngjs';
import { expect, it } from 'vitest';
import { thrown } from '../__fixtures__/errors';
import { decodeImage } from './decode-image';
import { encodePng } from './encode-png';

/** Float32 values k / maxValue for a varied set of levels k. */
function quantized(count: number, maxValue: number): Float32Array {
  return new Float32Array(count).map((_, i) => ((i * 37 + 11) % (maxValue + 1)) / maxValue);
}

describeOnBackends(
  'encodePng',
  () => {
    it('round-trips 8-bit images exactly for 1, 2, 3 and 4 channels, [H, W, C] and [1, H, W, C]', async () => {
      await expectNoLeak(async () => {
        for (const channels of [1, 2, 3, 4]) {
          const values = quantized(5 * 7 * channels, 255);
          for (const shape of [
            [5, 7, channels],
            [1, 5, 7, channels],
          ]) {
            const image = tf.tensor<tf.Rank>(values, shape) as tf.Tensor3D;
            const png = encodePng(image);
            // Colour type byte in IHDR: grey 0, grey + alpha 4, RGB 2, RGBA 6.
            expect(png[25]).toBe([0, 4, 2, 6][channels - 1]);
            const decoded = decodeImage(png, {
              colorMode: 'source',
              alpha: channels % 2 === 0 ? 'keep' : 'drop',
            });
            expect(decoded.shape).toEqual([1, 5, 7, channels]);
            expect(Array.from(await decoded.data())).toEqual(Array.from(values));
            tf.dispose([image, decoded]);
          }
        }
      });
    });

    it('round-trips 16-bit images exactly', async () => {
      await expectNoLeak(async () => {
        const values = quantized(4 * 4 * 3, 65535);
        const image = tf.tensor3d(values, [4, 4, 3]);
        const png = encodePng(image, { bitDepth: 16 });
        expect(png[24]).toBe(16);
        const decoded = decodeImage(png);
        expect(Array.from(await decoded.data())).toEqual(Array.from(values));
        tf.dispose([image, decoded]);
      });
    });

    it('writes files other decoders read: pngjs sees the same 8-bit samples', async () => {
      await expectNoLeak(() => {
        const image = tf.tensor3d([0, 0.5, 1, 0.2, 0.4, 0.6], [1, 2, 3]);
        const png = pngjs.PNG.sync.read(Buffer.from(encodePng(image)));
        expect([png.width, png.height]).toEqual([2, 1]);
        // round(0.5 · 255) = 128, round(0.2 · 255) = 51, round(0.4 · 255) = 102, round(0.6 · 255) = 153.
        expect(Array.from(png.data)).toEqual([0, 128, 255, 255, 51, 102, 153, 255]);
        image.dispose();
      });
    });

    it('clamps out-of-range values and writes NaN as 0', async () => {
      await expectNoLeak(() => {
        const image = tf.tensor3d([-0.5, 1.5, Number.NaN, 1 / 255 / 2 - 1e-4], [1, 4, 1]);
        const png = pngjs.PNG.sync.read(Buffer.from(encodePng(image)));
        expect(Array.from(png.data.filter((_, i) => i % 4 === 0))).toEqual([0, 255, 0, 0]);
        image.dispose();
      });
    });

    it('rejects wrong ranks, batches, channel counts and bit depths with typed errors', async () => {
      await expectNoLeak(() => {
        const matrix = tf.zeros([4, 4]);
        const batch = tf.zeros([2, 4, 4, 3]);
        const fiveChannels = tf.zeros([4, 4, 5]);
        const good = tf.zeros([4, 4, 3]);
        const cases: [() => unknown, string, RegExp][] = [
          [() => encodePng(matrix as tf.Tensor3D), 'image', /rank 2/],
          [() => encodePng(batch as tf.Tensor4D), 'image', /batch of 2/],
          [() => encodePng(fiveChannels as tf.Tensor3D), 'image', /shape \[4, 4, 5\]/],
          [() => encodePng(good as tf.Tensor3D, { bitDepth: 12 as 8 }), 'options.bitDepth', /12/],
        ];
        for (const [body, argument, message] of cases) {
          const error = thrown(body);
          expect(error).toBeInstanceOf(InvalidArgumentError);
          expect((error as InvalidArgumentError).argument).toBe(argument);
          expect((error as Error).message).toMatch(message);
        }
        tf.dispose([matrix, batch, fiveChannels, good]);
      });
    });
  },
  { exclude: { 'node-webgpu': 'encodePng reads synchronously; use writePng on WebGPU in Node' } },
);
