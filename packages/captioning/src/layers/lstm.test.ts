import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { checkBackward } from '../__fixtures__/check-backward';
import { linspace, randn, sequenceReference, tensorOf } from '../__fixtures__/reference';
import { lstmBackward, lstmForward } from './lstm';
import { lstmStepForward } from './lstm-step';

describeOnBackends('lstmForward / lstmBackward', () => {
  it('reproduces the CS231n notebook h (linspace inputs)', async () => {
    await expectNoLeak(async () => {
      const [N, D, H, T] = [2, 5, 4, 3];
      const x = tensorOf<tf.Rank.R3>(linspace(-0.4, 0.6, N * T * D), [N, T, D]);
      const h0 = tensorOf<tf.Rank.R2>(linspace(-0.4, 0.8, N * H), [N, H]);
      const Wx = tensorOf<tf.Rank.R2>(linspace(-0.2, 0.9, 4 * D * H), [D, 4 * H]);
      const Wh = tensorOf<tf.Rank.R2>(linspace(-0.3, 0.6, 4 * H * H), [H, 4 * H]);
      const b = tensorOf<tf.Rank.R1>(linspace(0.2, 0.7, 4 * H), [4 * H]);
      const { h, cache } = lstmForward(x, h0, Wx, Wh, b);
      // LSTM_Captioning.ipynb, "LSTM: forward".
      await expectTensorsClose(h, [
        [
          [0.01764008, 0.01823233, 0.01882671, 0.0194232],
          [0.11287491, 0.12146228, 0.13018446, 0.13902939],
          [0.31358768, 0.33338627, 0.35304453, 0.37250975],
        ],
        [
          [0.45767879, 0.4761092, 0.4936887, 0.51041945],
          [0.6704845, 0.69350089, 0.71486014, 0.7346449],
          [0.81733511, 0.83677871, 0.85403753, 0.86935314],
        ],
      ]);
      tf.dispose([x, h0, Wx, Wh, b, h, cache]);
    });
  });

  it('equals lstmStepForward applied step by step from a zero cell state', async () => {
    await expectNoLeak(async () => {
      const [N, D, H, T] = [2, 3, 4, 3];
      const x = tensorOf<tf.Rank.R3>(randn(N * T * D, 31), [N, T, D]);
      const h0 = tensorOf<tf.Rank.R2>(randn(N * H, 32), [N, H]);
      const Wx = tensorOf<tf.Rank.R2>(randn(4 * D * H, 33), [D, 4 * H]);
      const Wh = tensorOf<tf.Rank.R2>(randn(4 * H * H, 34), [H, 4 * H]);
      const b = tensorOf<tf.Rank.R1>(randn(4 * H, 35), [4 * H]);
      const { h, cache } = lstmForward(x, h0, Wx, Wh, b);
      const stepwise = tf.tidy(() => {
        let prevH = h0;
        let prevC = tf.zerosLike(h0);
        const states: tf.Tensor2D[] = [];
        for (const xt of tf.unstack(x, 1)) {
          const step = lstmStepForward(xt as tf.Tensor2D, prevH, prevC, Wx, Wh, b);
          prevH = step.nextH;
          prevC = step.nextC;
          states.push(prevH);
        }
        return tf.stack(states, 1);
      });
      await expectTensorsClose(h, stepwise);
      tf.dispose([x, h0, Wx, Wh, b, h, cache, stepwise]);
    });
  });

  it('backward equals the float64 numeric gradient and tfjs autodiff', async () => {
    await expectNoLeak(async () => {
      const [N, T, D, H] = [2, 5, 3, 4];
      const forward = (t: Record<string, tf.Tensor>) =>
        lstmForward(
          t.x as tf.Tensor3D,
          t.h0 as tf.Tensor2D,
          t.Wx as tf.Tensor2D,
          t.Wh as tf.Tensor2D,
          t.b as tf.Tensor1D,
        );
      await checkBackward({
        inputs: {
          x: { values: randn(N * T * D, 41), shape: [N, T, D] },
          h0: { values: randn(N * H, 42), shape: [N, H] },
          Wx: { values: randn(4 * D * H, 43), shape: [D, 4 * H] },
          Wh: { values: randn(4 * H * H, 44), shape: [H, 4 * H] },
          b: { values: randn(4 * H, 45), shape: [4 * H] },
        },
        douts: [randn(N * T * H, 46)],
        reference: (v) => [sequenceReference('lstm', v.x!, v.h0!, v.Wx!, v.Wh!, v.b!, N, T, D, H)],
        forward: (t) => [forward(t).h],
        backward: (t, [dh]) => {
          const { h, cache } = forward(t);
          const { dx, dh0, dWx, dWh, db } = lstmBackward(dh as tf.Tensor3D, cache);
          tf.dispose([h, cache]);
          return { x: dx, h0: dh0, Wx: dWx, Wh: dWh, b: db };
        },
      });
    });
  });
});
