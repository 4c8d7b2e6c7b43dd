import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { checkBackward } from '../__fixtures__/check-backward';
import { linspace, randn, stepReference, tensorOf } from '../__fixtures__/reference';
import { lstmStepBackward, lstmStepForward } from './lstm-step';

describeOnBackends('lstmStepForward / lstmStepBackward', () => {
  it('reproduces the CS231n notebook next_h and next_c (linspace inputs)', async () => {
    await expectNoLeak(async () => {
      const [N, D, H] = [3, 4, 5];
      const x = tensorOf<tf.Rank.R2>(linspace(-0.4, 1.2, N * D), [N, D]);
      const prevH = tensorOf<tf.Rank.R2>(linspace(-0.3, 0.7, N * H), [N, H]);
      const prevC = tensorOf<tf.Rank.R2>(linspace(-0.4, 0.9, N * H), [N, H]);
      const Wx = tensorOf<tf.Rank.R2>(linspace(-2.1, 1.3, 4 * D * H), [D, 4 * H]);
      const Wh = tensorOf<tf.Rank.R2>(linspace(-0.7, 2.2, 4 * H * H), [H, 4 * H]);
      const b = tensorOf<tf.Rank.R1>(linspace(0.3, 0.7, 4 * H), [4 * H]);
      const { nextH, nextC, cache } = lstmStepForward(x, prevH, prevC, Wx, Wh, b);
      // LSTM_Captioning.ipynb, "LSTM: step forward".
      await expectTensorsClose(nextH, [
        [0.24635157, 0.28610883, 0.32240467, 0.35525807, 0.38474904],
        [0.49223563, 0.55611431, 0.61507696, 0.66844003, 0.7159181],
        [0.56735664, 0.66310127, 0.74419266, 0.80889665, 0.858299],
      ]);
      await expectTensorsClose(nextC, [
        [0.32986176, 0.39145139, 0.451556, 0.51014116, 0.56717407],
        [0.66382255, 0.76674007, 0.87195994, 0.97902709, 1.08751345],
        [0.74192008, 0.90592151, 1.07717006, 1.25120233, 1.42395676],
      ]);
      tf.dispose([x, prevH, prevC, Wx, Wh, b, nextH, nextC, cache]);
    });
  });

  it('backward equals the float64 numeric gradient and tfjs autodiff (both outputs)', async () => {
    await expectNoLeak(async () => {
      const [N, D, H] = [4, 5, 6];
      const forward = (t: Record<string, tf.Tensor>) =>
        lstmStepForward(
          t.x as tf.Tensor2D,
          t.prevH as tf.Tensor2D,
          t.prevC as tf.Tensor2D,
          t.Wx as tf.Tensor2D,
          t.Wh as tf.Tensor2D,
          t.b as tf.Tensor1D,
        );
      await checkBackward({
        inputs: {
          x: { values: randn(N * D, 21), shape: [N, D] },
          prevH: { values: randn(N * H, 22), shape: [N, H] },
          prevC: { values: randn(N * H, 23), shape: [N, H] },
          Wx: { values: randn(4 * D * H, 24), shape: [D, 4 * H] },
          Wh: { values: randn(4 * H * H, 25), shape: [H, 4 * H] },
          b: { values: randn(4 * H, 26), shape: [4 * H] },
        },
        douts: [randn(N * H, 27), randn(N * H, 28)],
        reference: (v) => {
          const { h, c } = stepReference('lstm', v.x!, v.prevH!, v.prevC!, v.Wx!, v.Wh!, v.b!, N, D, H);
          return [h, c];
        },
        forward: (t) => {
          const { nextH, nextC } = forward(t);
          return [nextH, nextC];
        },
        backward: (t, [dnextH, dnextC]) => {
          const { nextH, nextC, cache } = forward(t);
          const grads = lstmStepBackward(dnextH as tf.Tensor2D, dnextC as tf.Tensor2D, cache);
          tf.dispose([nextH, nextC, cache]);
          return {
            x: grads.dx,
            prevH: grads.dprevH,
            prevC: grads.dprevC,
            Wx: grads.dWx,
            Wh: grads.dWh,
            b: grads.db,
          };
        },
      });
    });
  });

  it('rejects a 3H-wide Wx (the gate count) and a mismatched prevC', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([2, 3]) as tf.Tensor2D;
      const h = tf.zeros([2, 4]) as tf.Tensor2D;
      const Wx = tf.zeros([3, 12]) as tf.Tensor2D;
      const Wh = tf.zeros([4, 16]) as tf.Tensor2D;
      const b = tf.zeros([16]) as tf.Tensor1D;
      const c = tf.zeros([2, 5]) as tf.Tensor2D;
      expect(() => lstmStepForward(x, h, h, Wx, Wh, b)).toThrow(InvalidArgumentError);
      const wideWx = tf.zeros([3, 16]) as tf.Tensor2D;
      expect(() => lstmStepForward(x, h, c, wideWx, Wh, b)).toThrow(/prevC/);
      tf.dispose([x, h, Wx, Wh, b, c, wideWx]);
    });
  });
});
