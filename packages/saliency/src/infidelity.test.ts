import { fromFunction, InvalidArgumentError, seededValues } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { infidelity } from './infidelity';

const [H, W, C, K] = [8, 8, 3, 4];

function linearModel() {
  const values = seededValues(H * W * C * K, 3, -1, 1);
  const weights = tf.tensor2d(values, [H * W * C, K]);
  const classifier = fromFunction(
    (x) => tf.matMul(tf.reshape(x, [x.shape[0], H * W * C]), weights) as tf.Tensor2D,
    { inputShape: [H, W, C], numClasses: K },
  );
  return { classifier, values, dispose: () => weights.dispose() };
}

describeOnBackends('infidelity', () => {
  it('is ~0 for the exact linear attribution (the weights) and larger for a random one', async () => {
    const linear = linearModel();
    const images = tinyImages(2);
    // f(x) − f(x − I) = Iᵀ W_k exactly, so a = W_k (the gradient) is the zero-infidelity attribution.
    const column = Array.from({ length: H * W * C }, (_, p) => linear.values[p * K + 1] as number);
    const exact = tf.tensor4d([...column, ...column], [2, H, W, C]);
    const random = tf.tensor4d(seededValues(2 * H * W * C, 8), [2, H, W, C]);
    await expectNoLeak(async () => {
      const good = await infidelity(linear.classifier, images, exact, { target: 1, samples: 8, seed: 2 });
      const bad = await infidelity(linear.classifier, images, random, { target: 1, samples: 8, seed: 2 });
      const chunked = await infidelity(linear.classifier, images, random, {
        target: 1,
        samples: 8,
        seed: 2,
        internalBatchSize: 3,
      });
      for (let n = 0; n < 2; n++) {
        expect(good[n]).toBeLessThan((bad[n] as number) * 1e-3);
        expect(chunked[n]).toBeCloseTo(bad[n] as number, 8);
      }
      // Normalisation fits the best scale, so a scaled exact attribution is still ~0.
      const scaled = tf.mul(exact, 3) as tf.Tensor4D;
      const normalized = await infidelity(linear.classifier, images, scaled, { target: 1, normalize: true });
      const raw = await infidelity(linear.classifier, images, scaled, { target: 1 });
      scaled.dispose();
      expect(normalized[0]).toBeLessThan((raw[0] as number) * 1e-3);
    });
    tf.dispose([images, exact, random]);
    linear.dispose();
  });

  it('rejects invalid options with typed errors', async () => {
    const linear = linearModel();
    const images = tinyImages(1);
    const map = tf.zeros([1, H, W, 2]) as tf.Tensor4D;
    await expectNoLeak(async () => {
      for (const [options, argument] of [
        [{ samples: 0 }, 'options.samples'],
        [{ std: -1 }, 'options.std'],
      ] as const) {
        const ok = tf.zeros([1, H, W, 1]) as tf.Tensor4D;
        const error = await infidelity(linear.classifier, images, ok, options).catch(
          (caught: unknown) => caught,
        );
        ok.dispose();
        expect((error as InvalidArgumentError).argument).toBe(argument);
      }
      const error = await infidelity(linear.classifier, images, map).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('attributions');
    });
    tf.dispose([images, map]);
    linear.dispose();
  });
});
