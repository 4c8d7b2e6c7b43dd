import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { fromCanvas } from './from-canvas';

// Two RGBA pixels: opaque red and half-transparent (0, 128, 255).
const PIXELS = { width: 2, height: 1, data: new Uint8Array([255, 0, 0, 255, 0, 128, 255, 128]) };

describeOnBackends('fromCanvas', () => {
  it('reads RGBA pixel data into [1, H, W, 3] in [0, 1], or 4 channels with alpha: keep', async () => {
    await expectNoLeak(async () => {
      const rgb = fromCanvas(PIXELS);
      expect(rgb.shape).toEqual([1, 1, 2, 3]);
      await expectTensorsClose(rgb, [1, 0, 0, 0, 128 / 255, 1], { atol: 1e-6, rtol: 0 });
      const rgba = fromCanvas(PIXELS, { alpha: 'keep' });
      await expectTensorsClose(rgba, [1, 0, 0, 1, 0, 128 / 255, 1, 128 / 255], { atol: 1e-6, rtol: 0 });
      tf.dispose([rgb, rgba]);
    });
  });

  it('rejects a missing source with a typed error', () => {
    const error = thrown(() => fromCanvas(null as unknown as ImageData));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('source');
  });
});
