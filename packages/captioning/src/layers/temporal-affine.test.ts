import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { checkBackward } from '../__fixtures__/check-backward';
import { mm, randn } from '../__fixtures__/reference';
import { temporalAffineBackward, temporalAffineForward } from './temporal-affine';

// CS231n checks this layer only by gradient; the forward reference is x·w + b in float64.
function affineReference(
  x: Float64Array,
  w: Float64Array,
  b: Float64Array,
  rows: number,
  d: number,
  m: number,
) {
  const out = mm(x, w, rows, d, m);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (b[i % m] as number);
  return out;
}

describeOnBackends('temporalAffineForward / temporalAffineBackward', () => {
  it('forward equals x·w + b; backward the float64 numeric gradient and autodiff', async () => {
    await expectNoLeak(async () => {
      const [N, T, D, M] = [2, 3, 4, 5];
      const forward = (t: Record<string, tf.Tensor>) =>
        temporalAffineForward(t.x as tf.Tensor3D, t.w as tf.Tensor2D, t.b as tf.Tensor1D);
      const values = { x: randn(N * T * D, 81), w: randn(D * M, 82), b: randn(M, 83) };
      const x = tf.tensor3d(Float32Array.from(values.x), [N, T, D]);
      const w = tf.tensor2d(Float32Array.from(values.w), [D, M]);
      const b = tf.tensor1d(Float32Array.from(values.b));
      const { out, cache } = forward({ x, w, b });
      expect(out.shape).toEqual([N, T, M]);
      await expectTensorsClose(out, affineReference(values.x, values.w, values.b, N * T, D, M));
      tf.dispose([x, w, b, out, cache]);
      await checkBackward({
        inputs: {
          x: { values: values.x, shape: [N, T, D] },
          w: { values: values.w, shape: [D, M] },
          b: { values: values.b, shape: [M] },
        },
        douts: [randn(N * T * M, 84)],
        reference: (v) => [affineReference(v.x!, v.w!, v.b!, N * T, D, M)],
        forward: (t) => [forward(t).out],
        backward: (t, [dout]) => {
          const { out, cache } = forward(t);
          const { dx, dw, db } = temporalAffineBackward(dout as tf.Tensor3D, cache);
          tf.dispose([out, cache]);
          return { x: dx, w: dw, b: db };
        },
      });
    });
  });

  it('rejects weights whose rows do not match D', async () => {
    await expectNoLeak(() => {
      const x = tf.zeros([1, 2, 3]) as tf.Tensor3D;
      const w = tf.zeros([4, 2]) as tf.Tensor2D;
      const b = tf.zeros([2]) as tf.Tensor1D;
      expect(() => temporalAffineForward(x, w, b)).toThrow(/Invalid w/);
      tf.dispose([x, w, b]);
    });
  });
});
