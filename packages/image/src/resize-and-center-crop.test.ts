import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { resizeAndCenterCrop } from './resize-and-center-crop';

/** A `[1, H, W, 1]` image whose pixel (r, c) is `rowWeight · r + c`. */
function ramp(height: number, width: number, rowWeight: number): tf.Tensor4D {
  const values = Array.from(
    { length: height * width },
    (_, i) => rowWeight * Math.floor(i / width) + (i % width),
  );
  return tf.tensor4d(values, [1, height, width, 1]);
}

describeOnBackends('resizeAndCenterCrop', () => {
  it('resizes the short side to cover the crop, then crops the centre (hand-computed)', async () => {
    await expectNoLeak(async () => {
      // 4×8 → 2×4 halves each axis: pixel (R, C) averages source rows 2R, 2R+1 and columns 2C, 2C+1,
      // so it is 10 (2R + 0.5) + (2C + 0.5). The centre 2×2 of the 2×4 starts at column 1.
      const image = ramp(4, 8, 10);
      const output = resizeAndCenterCrop(image, [2, 2]);
      expect(output.shape).toEqual([1, 2, 2, 1]);
      await expectTensorsClose(output, [7.5, 9.5, 27.5, 29.5]);
      tf.dispose([image, output]);
    });
  });

  it('with shortSide follows torchvision Resize(short) + CenterCrop', async () => {
    await expectNoLeak(async () => {
      // 6×8 with shortSide 3 → 3×int(3·8/6) = 3×4 (exactly half), crop 2×2 at round(0.5) = 0, round(1) = 1.
      const image = ramp(6, 8, 10);
      const output = resizeAndCenterCrop(image, [2, 2], { shortSide: 3 });
      const expected = [0, 1].map((r) => [1, 2].map((c) => 10 * (2 * r + 0.5) + 2 * c + 0.5));
      await expectTensorsClose(output, expected);
      const error = thrown(() => resizeAndCenterCrop(image, [4, 4], { shortSide: 3 }));
      expect((error as InvalidArgumentError).argument).toBe('options.shortSide');
      tf.dispose([image, output]);
    });
  });

  it('handles portrait images and rank 3, without stretching', async () => {
    await expectNoLeak(() => {
      const image = tf.zeros([300, 200, 3]) as tf.Tensor3D;
      const output = resizeAndCenterCrop(image, [224, 224]);
      expect(output.shape).toEqual([224, 224, 3]);
      tf.dispose([image, output]);
    });
  });

  it('rejects wrong ranks with a typed error', async () => {
    await expectNoLeak(() => {
      const flat = tf.zeros([10, 10]);
      const error = thrown(() => resizeAndCenterCrop(flat as tf.Tensor3D, [4, 4]));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('images');
      flat.dispose();
    });
  });
});
