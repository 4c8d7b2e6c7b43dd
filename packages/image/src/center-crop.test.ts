import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { centerCrop } from './center-crop';
import { roundHalfToEven } from './internal/crop';

/** A `[1, H, W, 1]` image whose pixel (r, c) is `rowWeight · r + c`. */
function ramp(height: number, width: number, rowWeight: number): tf.Tensor4D {
  const values = Array.from(
    { length: height * width },
    (_, i) => rowWeight * Math.floor(i / width) + (i % width),
  );
  return tf.tensor4d(values, [1, height, width, 1]);
}

describeOnBackends('centerCrop', () => {
  it('rounds offsets half-to-even like torchvision', async () => {
    expect([0.5, 1.5, 2.5, 2.4, 2.6].map(roundHalfToEven)).toEqual([0, 2, 2, 2, 3]);
    await expectNoLeak(async () => {
      const image = ramp(5, 5, 5); // values 0..24
      // (5 − 2) / 2 = 1.5 → 2.
      const crop = centerCrop(image, [2, 2]);
      await expectTensorsClose(crop, [12, 13, 17, 18]);
      // (3 − 2) / 2 = 0.5 → 0.
      const small = ramp(3, 3, 3);
      const cropSmall = centerCrop(small, [2, 2]);
      await expectTensorsClose(cropSmall, [0, 1, 3, 4]);
      tf.dispose([image, crop, small, cropSmall]);
    });
  });

  it('refuses a crop larger than the image', async () => {
    await expectNoLeak(() => {
      const image = tf.zeros([1, 4, 4, 3]) as tf.Tensor4D;
      const error = thrown(() => centerCrop(image, [5, 4]));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('size');
      image.dispose();
    });
  });
});
