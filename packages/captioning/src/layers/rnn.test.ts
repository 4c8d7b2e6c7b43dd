import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { checkBackward } from '../__fixtures__/check-backward';
import { linspace, randn, sequenceReference, tensorOf } from '../__fixtures__/reference';
import { rnnBackward, rnnForward } from './rnn';

describeOnBackends('rnnForward / rnnBackward', () => {
  it('reproduces the CS231n notebook h (linspace inputs)', async () => {
    await expectNoLeak(async () => {
      const [N, T, D, H] = [2, 3, 4, 5];
      const x = tensorOf<tf.Rank.R3>(linspace(-0.1, 0.3, N * T * D), [N, T, D]);
      const h0 = tensorOf<tf.Rank.R2>(linspace(-0.3, 0.1, N * H), [N, H]);
      const Wx = tensorOf<tf.Rank.R2>(linspace(-0.2, 0.4, D * H), [D, H]);
      const Wh = tensorOf<tf.Rank.R2>(linspace(-0.4, 0.1, H * H), [H, H]);
      const b = tensorOf<tf.Rank.R1>(linspace(-0.7, 0.1, H), [H]);
      const { h, cache } = rnnForward(x, h0, Wx, Wh, b);
      // RNN_Captioning.ipynb, "Vanilla RNN: forward".
      await expectTensorsClose(h, [
        [
          [-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
          [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
          [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525],
        ],
        [
          [-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
          [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
          [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043],
        ],
      ]);
      tf.dispose([x, h0, Wx, Wh, b, h, cache]);
    });
  });

  it('backward equals the float64 numeric gradient and tfjs autodiff', async () => {
    await expectNoLeak(async () => {
      const [N, T, D, H] = [2, 6, 3, 5];
      const forward = (t: Record<string, tf.Tensor>) =>
        rnnForward(
          t.x as tf.Tensor3D,
          t.h0 as tf.Tensor2D,
          t.Wx as tf.Tensor2D,
          t.Wh as tf.Tensor2D,
          t.b as tf.Tensor1D,
        );
      await checkBackward({
        inputs: {
          x: { values: randn(N * T * D, 11), shape: [N, T, D] },
          h0: { values: randn(N * H, 12), shape: [N, H] },
          Wx: { values: randn(D * H, 13), shape: [D, H] },
          Wh: { values: randn(H * H, 14), shape: [H, H] },
          b: { values: randn(H, 15), shape: [H] },
        },
        douts: [randn(N * T * H, 16)],
        reference: (v) => [sequenceReference('rnn', v.x!, v.h0!, v.Wx!, v.Wh!, v.b!, N, T, D, H)],
        forward: (t) => [forward(t).h],
        backward: (t, [dh]) => {
          const { h, cache } = forward(t);
          const { dx, dh0, dWx, dWh, db } = rnnBackward(dh as tf.Tensor3D, cache);
          tf.dispose([h, cache]);
          return { x: dx, h0: dh0, Wx: dWx, Wh: dWh, b: db };
        },
      });
    });
  });

  it('handles a single timestep and rejects T = 0 or mismatched shapes', async () => {
    await expectNoLeak(async () => {
      const x = tf.ones([2, 1, 3]) as tf.Tensor3D;
      const h0 = tf.ones([2, 4]) as tf.Tensor2D;
      const Wx = tf.fill([3, 4], 0.1) as tf.Tensor2D;
      const Wh = tf.fill([4, 4], 0.2) as tf.Tensor2D;
      const b = tf.zeros([4]) as tf.Tensor1D;
      const { h, cache } = rnnForward(x, h0, Wx, Wh, b);
      await expectTensorsClose(h, new Array(8).fill(Math.tanh(0.3 + 0.8)));
      const ones = tf.onesLike(h);
      const grads = rnnBackward(ones, cache);
      await expectTensorsClose(grads.db, new Array(4).fill(2 * (1 - Math.tanh(1.1) ** 2)));
      const empty = tf.zeros([2, 0, 3]) as tf.Tensor3D;
      expect(() => rnnForward(empty, h0, Wx, Wh, b)).toThrow(InvalidArgumentError);
      expect(() => rnnForward(x, h0, Wh, Wh, b)).toThrow(/Invalid Wx/);
      expect(() => rnnBackward(h0 as unknown as tf.Tensor3D, cache)).toThrow(/Invalid dh/);
      tf.dispose([x, h0, Wx, Wh, b, h, cache, grads, empty, ones]);
    });
  });
});
