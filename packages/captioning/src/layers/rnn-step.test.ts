import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { checkBackward } from '../__fixtures__/check-backward';
import { linspace, randn, stepReference, tensorOf } from '../__fixtures__/reference';
import { rnnStepBackward, rnnStepForward } from './rnn-step';

describeOnBackends('rnnStepForward / rnnStepBackward', () => {
  it('reproduces the CS231n notebook next_h (linspace inputs)', async () => {
    await expectNoLeak(async () => {
      const [N, D, H] = [3, 10, 4];
      const x = tensorOf<tf.Rank.R2>(linspace(-0.4, 0.7, N * D), [N, D]);
      const prevH = tensorOf<tf.Rank.R2>(linspace(-0.2, 0.5, N * H), [N, H]);
      const Wx = tensorOf<tf.Rank.R2>(linspace(-0.1, 0.9, D * H), [D, H]);
      const Wh = tensorOf<tf.Rank.R2>(linspace(-0.3, 0.7, H * H), [H, H]);
      const b = tensorOf<tf.Rank.R1>(linspace(-0.2, 0.4, H), [H]);
      const { nextH, cache } = rnnStepForward(x, prevH, Wx, Wh, b);
      // RNN_Captioning.ipynb, "Vanilla RNN: step forward".
      await expectTensorsClose(nextH, [
        [-0.58172089, -0.50182032, -0.41232771, -0.31410098],
        [0.66854692, 0.79562378, 0.87755553, 0.92795967],
        [0.97934501, 0.99144213, 0.99646691, 0.99854353],
      ]);
      tf.dispose([x, prevH, Wx, Wh, b, nextH, cache]);
    });
  });

  it('backward equals the float64 numeric gradient and tfjs autodiff', async () => {
    await expectNoLeak(async () => {
      const [N, D, H] = [4, 5, 6];
      await checkBackward({
        inputs: {
          x: { values: randn(N * D, 1), shape: [N, D] },
          prevH: { values: randn(N * H, 2), shape: [N, H] },
          Wx: { values: randn(D * H, 3), shape: [D, H] },
          Wh: { values: randn(H * H, 4), shape: [H, H] },
          b: { values: randn(H, 5), shape: [H] },
        },
        douts: [randn(N * H, 6)],
        reference: (v) => [stepReference('rnn', v.x!, v.prevH!, [], v.Wx!, v.Wh!, v.b!, N, D, H).h],
        forward: (t) => [
          rnnStepForward(
            t.x as tf.Tensor2D,
            t.prevH as tf.Tensor2D,
            t.Wx as tf.Tensor2D,
            t.Wh as tf.Tensor2D,
            t.b as tf.Tensor1D,
          ).nextH,
        ],
        backward: (t, [dnextH]) => {
          const { nextH, cache } = rnnStepForward(
            t.x as tf.Tensor2D,
            t.prevH as tf.Tensor2D,
            t.Wx as tf.Tensor2D,
            t.Wh as tf.Tensor2D,
            t.b as tf.Tensor1D,
          );
          const { dx, dprevH, dWx, dWh, db } = rnnStepBackward(dnextH as tf.Tensor2D, cache);
          tf.dispose([nextH, cache]);
          return { x: dx, prevH: dprevH, Wx: dWx, Wh: dWh, b: db };
        },
      });
    });
  });

  it('rejects mismatched shapes with InvalidArgumentError and no leaked tensors', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([2, 3]) as tf.Tensor2D;
      const h = tf.zeros([2, 4]) as tf.Tensor2D;
      const Wx = tf.zeros([3, 4]) as tf.Tensor2D;
      const Wh = tf.zeros([4, 4]) as tf.Tensor2D;
      const b = tf.zeros([4]) as tf.Tensor1D;
      const wrong = tf.zeros([5, 4]) as tf.Tensor2D;
      expect(() => rnnStepForward(x, h, wrong, Wh, b)).toThrow(InvalidArgumentError);
      expect(() => rnnStepForward(x, wrong, Wx, Wh, b)).toThrow(/prevH/);
      const shortB = tf.zeros([3]) as tf.Tensor1D;
      expect(() => rnnStepForward(x, h, Wx, Wh, shortB)).toThrow(/Invalid b/);
      tf.dispose([x, h, Wx, Wh, b, wrong, shortB]);
    });
  });
});
