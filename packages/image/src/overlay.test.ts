import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import type { Colormap } from './apply-colormap';
import { overlay } from './overlay';

describeOnBackends('overlay', () => {
  it('blends (1 − alpha) · image + alpha · colormap(heatmap)', async () => {
    await expectNoLeak(async () => {
      const image = tf.fill([1, 1, 2, 3], 0.2) as tf.Tensor4D;
      const heatmap = tf.tensor3d([0, 1], [1, 1, 2]);
      const gray = overlay(image, heatmap, { colormap: 'gray' });
      await expectTensorsClose(gray, [0.1, 0.1, 0.1, 0.6, 0.6, 0.6]);
      // Default jet: jet(0) = (0, 0, 0.5), jet(1) = (0.5, 0, 0); alpha 0.25.
      const jet = overlay(image, heatmap, { alpha: 0.25 });
      await expectTensorsClose(jet, [0.15, 0.15, 0.275, 0.275, 0.15, 0.15]);
      tf.dispose([image, heatmap, gray, jet]);
    });
  });

  it('resizes a smaller heatmap, repeats grey images, ignores image alpha and broadcasts a batch of one', async () => {
    await expectNoLeak(async () => {
      const grey = tf.fill([2, 4, 4, 1], 0.4) as tf.Tensor4D;
      const rgba = tf.tidy(() =>
        tf.concat([tf.fill([2, 4, 4, 3], 0.4), tf.zeros([2, 4, 4, 1])], 3),
      ) as tf.Tensor4D;
      const heatmap = tf.ones([1, 1, 1, 1]) as tf.Tensor4D; // one cell, resized to 4×4 and broadcast
      for (const image of [grey, rgba]) {
        const result = overlay(image, heatmap, { alpha: 0.5, colormap: 'gray' });
        expect(result.shape).toEqual([2, 4, 4, 3]);
        await expectTensorsClose(result, new Array(2 * 4 * 4 * 3).fill(0.7));
        result.dispose();
      }
      tf.dispose([grey, rgba, heatmap]);
    });
  });

  it('accepts an already coloured heatmap', async () => {
    await expectNoLeak(async () => {
      const image = tf.zeros([1, 1, 1, 3]) as tf.Tensor4D;
      const colored = tf.tensor4d([1, 0.5, 0], [1, 1, 1, 3]);
      const result = overlay(image, colored, { alpha: 1 });
      await expectTensorsClose(result, [1, 0.5, 0]);
      tf.dispose([image, colored, result]);
    });
  });

  it('rejects mismatched batches, bad channels, bad alpha and unknown colormaps, leaking nothing', async () => {
    await expectNoLeak(() => {
      const images = tf.zeros([2, 4, 4, 3]) as tf.Tensor4D;
      const heat3 = tf.zeros([3, 4, 4]) as tf.Tensor3D;
      const heat2 = tf.zeros([2, 4, 4, 2]) as tf.Tensor4D;
      const heat = tf.zeros([2, 4, 4]) as tf.Tensor3D;
      const cases: [() => unknown, string][] = [
        [() => overlay(images, heat3), 'heatmap'],
        [() => overlay(images, heat2), 'heatmap'],
        [() => overlay(heat as unknown as tf.Tensor4D, heat), 'images'],
        [() => overlay(images, heat, { alpha: 2 }), 'options.alpha'],
        [() => overlay(images, heat, { colormap: 'plasma' as Colormap }), 'colormap'],
      ];
      for (const [body, argument] of cases) {
        const error = thrown(body);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
      tf.dispose([images, heat3, heat2, heat]);
    });
  });
});
