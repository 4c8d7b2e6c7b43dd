import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { expectInvalidArgument } from './__fixtures__/expectations';
import { differencePicture } from './difference-picture';

describeOnBackends('differencePicture', () => {
  it('stacks original, adversarial and the magnified difference around mid-grey per image', async () => {
    const original = tf.tensor4d([0.2, 0.5, 0.4, 0.9], [2, 1, 2, 1]);
    const adversarial = tf.tensor4d([0.3, 0.5, 0.35, 0.9], [2, 1, 2, 1]);
    await expectNoLeak(async () => {
      const automatic = await differencePicture(original, adversarial);
      expect(automatic.shape).toEqual([6, 1, 2, 1]);
      // Largest |δ| = 0.1 maps to 0.5 ± 0.5.
      await expectTensorsClose(automatic, [0.2, 0.5, 0.3, 0.5, 1, 0.5, 0.4, 0.9, 0.35, 0.9, 0.25, 0.5]);
      const fixed = await differencePicture(original, adversarial, { magnification: 2 });
      await expectTensorsClose(fixed, [0.2, 0.5, 0.3, 0.5, 0.7, 0.5, 0.4, 0.9, 0.35, 0.9, 0.4, 0.5]);
      tf.dispose([automatic, fixed]);
      const wrong = tf.zeros([1, 1, 2, 1]) as tf.Tensor4D;
      await expectInvalidArgument(differencePicture(original, wrong), 'adversarial');
      await expectInvalidArgument(
        differencePicture(original, adversarial, { magnification: -1 }),
        'options.magnification',
      );
      wrong.dispose();
    });
    tf.dispose([original, adversarial]);
  });
});
