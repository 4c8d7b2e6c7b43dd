import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, expect, it, vi } from 'vitest';
import { rejected } from './__fixtures__/errors';
import { toCanvas } from './to-canvas';

afterEach(() => {
  vi.unstubAllGlobals();
});

describeOnBackends('toCanvas', () => {
  it('without a canvas, outside a browser, says a canvas is needed and leaks nothing', async () => {
    expect(typeof document).toBe('undefined');
    await expectNoLeak(async () => {
      const image = tf.zeros([2, 2, 3]) as tf.Tensor3D;
      const error = await rejected(() => toCanvas(image));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('canvas');
      image.dispose();
    });
  });

  it('draws a clamped [1, H, W, C] image on the given canvas as RGBA bytes', async () => {
    const drawn: { data: Uint8ClampedArray; width: number; height: number }[] = [];
    vi.stubGlobal(
      'ImageData',
      class {
        constructor(
          readonly data: Uint8ClampedArray,
          readonly width: number,
          readonly height: number,
        ) {}
      },
    );
    const canvas = {
      width: 0,
      height: 0,
      getContext: () => ({ putImageData: (image: (typeof drawn)[number]) => drawn.push(image) }),
    } as unknown as HTMLCanvasElement;
    await expectNoLeak(async () => {
      const image = tf.tensor4d([1.5, 0.5, -1, 0, 1, 0.2], [1, 1, 2, 3]);
      const result = await toCanvas(image, canvas);
      expect(result).toBe(canvas);
      expect([canvas.width, canvas.height]).toEqual([2, 1]);
      expect(Array.from(drawn[0]?.data ?? [])).toEqual([255, 128, 0, 255, 0, 255, 51, 255]);
      image.dispose();
    });
  });

  it('rejects batches of more than one image', async () => {
    await expectNoLeak(async () => {
      const batch = tf.zeros([2, 2, 2, 3]) as tf.Tensor4D;
      const error = await rejected(() => toCanvas(batch, {} as HTMLCanvasElement));
      expect((error as InvalidArgumentError).argument).toBe('image');
      batch.dispose();
    });
  });
});
