import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { resize } from './resize';

/** A `[1, H, W, 1]` image whose pixel (r, c) is `rowWeight · r + c`. */
function ramp(height: number, width: number, rowWeight: number): tf.Tensor4D {
  const values = Array.from(
    { length: height * width },
    (_, i) => rowWeight * Math.floor(i / width) + (i % width),
  );
  return tf.tensor4d(values, [1, height, width, 1]);
}

describeOnBackends('resize', () => {
  it('uses half-pixel centres: 2 → 4 samples at source positions −0.25, 0.25, 0.75, 1.25 (clamped)', async () => {
    await expectNoLeak(async () => {
      const image = ramp(2, 2, 2); // [[0, 1], [2, 3]]
      const output = resize(image, [4, 4]);
      // Per axis [0, 0.25, 0.75, 1]; alignCorners would give thirds, legacy TF1 [0, 0.5, 1, 1].
      const axis = [0, 0.25, 0.75, 1];
      expect(output.shape).toEqual([1, 4, 4, 1]);
      await expectTensorsClose(
        output,
        axis.map((r) => axis.map((c) => 2 * r + c)),
      );
      tf.dispose([image, output]);
    });
  });

  it('keeps rank 3 input rank 3 and rejects a bad size', async () => {
    await expectNoLeak(() => {
      const image = tf.zeros([5, 6, 3]) as tf.Tensor3D;
      const output = resize(image, [2, 3]);
      expect(output.shape).toEqual([2, 3, 3]);
      const error = thrown(() => resize(image, [0, 3]));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('size');
      tf.dispose([image, output]);
    });
  });
});
