import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { checkBackward } from '../__fixtures__/check-backward';
import { randn, sequenceReference, stepReference, tensorOf } from '../__fixtures__/reference';
import { gruBackward, gruForward } from './gru';
import { gruStepBackward, gruStepForward } from './gru-step';

// No course reference exists for the GRU; the float64 reference implements the equations of
// gruStepForward's TSDoc (PyTorch's nn.GRU with b_hn = 0) directly.
describeOnBackends('gru layers', () => {
  it('gruStepForward equals the float64 equations; its backward the numeric gradient and autodiff', async () => {
    await expectNoLeak(async () => {
      const [N, D, H] = [3, 4, 5];
      const forward = (t: Record<string, tf.Tensor>) =>
        gruStepForward(
          t.x as tf.Tensor2D,
          t.prevH as tf.Tensor2D,
          t.Wx as tf.Tensor2D,
          t.Wh as tf.Tensor2D,
          t.b as tf.Tensor1D,
        );
      const inputs = {
        x: { values: randn(N * D, 51), shape: [N, D] },
        prevH: { values: randn(N * H, 52), shape: [N, H] },
        Wx: { values: randn(3 * D * H, 53), shape: [D, 3 * H] },
        Wh: { values: randn(3 * H * H, 54), shape: [H, 3 * H] },
        b: { values: randn(3 * H, 55), shape: [3 * H] },
      };
      const reference = (v: Record<string, Float64Array>) => [
        stepReference('gru', v.x!, v.prevH!, [], v.Wx!, v.Wh!, v.b!, N, D, H).h,
      ];
      const tensors = Object.fromEntries(
        Object.entries(inputs).map(([k, v]) => [k, tensorOf(v.values, v.shape)]),
      );
      const { nextH, cache } = forward(tensors);
      await expectTensorsClose(
        nextH,
        reference(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v.values])))[0]!,
      );
      tf.dispose([Object.values(tensors), nextH, cache]);
      await checkBackward({
        inputs,
        douts: [randn(N * H, 56)],
        reference,
        forward: (t) => [forward(t).nextH],
        backward: (t, [dnextH]) => {
          const { nextH, cache } = forward(t);
          const { dx, dprevH, dWx, dWh, db } = gruStepBackward(dnextH as tf.Tensor2D, cache);
          tf.dispose([nextH, cache]);
          return { x: dx, prevH: dprevH, Wx: dWx, Wh: dWh, b: db };
        },
      });
    });
  });

  it('gruForward equals the float64 equations; gruBackward the numeric gradient and autodiff', async () => {
    await expectNoLeak(async () => {
      const [N, T, D, H] = [2, 4, 3, 4];
      const forward = (t: Record<string, tf.Tensor>) =>
        gruForward(
          t.x as tf.Tensor3D,
          t.h0 as tf.Tensor2D,
          t.Wx as tf.Tensor2D,
          t.Wh as tf.Tensor2D,
          t.b as tf.Tensor1D,
        );
      await checkBackward({
        inputs: {
          x: { values: randn(N * T * D, 61), shape: [N, T, D] },
          h0: { values: randn(N * H, 62), shape: [N, H] },
          Wx: { values: randn(3 * D * H, 63), shape: [D, 3 * H] },
          Wh: { values: randn(3 * H * H, 64), shape: [H, 3 * H] },
          b: { values: randn(3 * H, 65), shape: [3 * H] },
        },
        douts: [randn(N * T * H, 66)],
        reference: (v) => [sequenceReference('gru', v.x!, v.h0!, v.Wx!, v.Wh!, v.b!, N, T, D, H)],
        forward: (t) => [forward(t).h],
        backward: (t, [dh]) => {
          const { h, cache } = forward(t);
          const { dx, dh0, dWx, dWh, db } = gruBackward(dh as tf.Tensor3D, cache);
          tf.dispose([h, cache]);
          return { x: dx, h0: dh0, Wx: dWx, Wh: dWh, b: db };
        },
      });
    });
  });
});
