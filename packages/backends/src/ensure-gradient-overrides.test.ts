import * as tf from '@tensorflow/tfjs-core';
import { AvgPool, AvgPoolGrad, type GradConfig, type NamedAttrMap } from '@tensorflow/tfjs-core';
import { afterEach, expect, it } from 'vitest';
import { withActivationGradientRule } from './activation-gradient-rule';
import { ensureGradientOverrides, GRADIENT_OVERRIDE_KERNELS } from './ensure-gradient-overrides';
import { fromFunction } from './from-function';
import { gradientScope } from './gradient-scope';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from './testing/index';

// tfjs-core's own AvgPool gradient (gradients/AvgPool_grad.ts), which `register_all_gradients` in
// every tfjs-layers build registers again when tfjs-layers is first imported.
const stockAvgPoolGradient: GradConfig = {
  kernelName: AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    return {
      x: () =>
        tf
          .engine()
          .runKernel(AvgPoolGrad, { dy: dy as tf.Tensor, input: x }, attrs as NamedAttrMap) as tf.Tensor,
    };
  },
};

// d/dx Σ w · avgPool₃ₓ₃,SAME(x) on a 3 × 3 input: pixel (i, j) gets w[o] / count[o] from every window
// o covering it; the windows cover 4 (corners), 6 (edges) or 9 (centre) pixels.
const count = (r: number, c: number) => (r === 1 ? 3 : 2) * (c === 1 ? 3 : 2);
const EXACT: number[] = [];
// Stock tfjs divides every window by 9.
const STOCK: number[] = [];
for (let i = 0; i < 3; i++) {
  for (let j = 0; j < 3; j++) {
    let exact = 0;
    let stock = 0;
    for (let r = Math.max(0, i - 1); r <= Math.min(2, i + 1); r++) {
      for (let c = Math.max(0, j - 1); c <= Math.min(2, j + 1); c++) {
        exact += (r * 3 + c + 1) / count(r, c);
        stock += (r * 3 + c + 1) / 9;
      }
    }
    EXACT.push(exact);
    STOCK.push(stock);
  }
}

const WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9];
const X = [0.3, -1.2, 0.7, 2.0, 1.1, 0.4, -0.6, 0.9, -0.2];
const weighted = (pooled: tf.Tensor) => tf.sum(tf.mul(pooled, tf.tensor4d(WEIGHTS, [1, 3, 3, 1])));
const pool = (x: tf.Tensor) => tf.avgPool(x as tf.Tensor4D, 3, 1, 'same');

const isNetlens = (config: GradConfig | undefined) =>
  config !== undefined && Symbol.for('@netlens/backends/gradient-override') in config;

describeOnBackends('ensureGradientOverrides', () => {
  afterEach(() => {
    ensureGradientOverrides();
  });

  it('puts netlens’ gradients back after tfjs’ stock ones were registered again (as a tfjs-layers import does)', async () => {
    // Whatever the import order of this file, tfjs-layers has been loaded by now.
    await import('@tensorflow/tfjs-layers');
    ensureGradientOverrides();
    expect(GRADIENT_OVERRIDE_KERNELS.every((kernel) => isNetlens(tf.getGradient(kernel)))).toBe(true);
    expect(ensureGradientOverrides()).toBe(0);
    await expectNoLeak(async () => {
      const x = tf.tensor4d(X, [1, 3, 3, 1]);
      tf.registerGradient(stockAvgPoolGradient);
      const stock = tf.grad((input) => weighted(pool(input)))(x);
      // The stock gradient really differs (centre 5 instead of 8.89), so the check below can fail.
      await expectTensorsClose(stock, STOCK);
      expect(Math.abs((STOCK[4] as number) - (EXACT[4] as number))).toBeGreaterThan(3);
      expect(ensureGradientOverrides()).toBe(1);
      expect(isNetlens(tf.getGradient(AvgPool))).toBe(true);
      const exact = tf.grad((input) => weighted(pool(input)))(x);
      await expectTensorsClose(exact, EXACT);
      tf.dispose([x, stock, exact]);
    });
  });

  it('runs wherever netlens takes a gradient: classifiers, gradientScope, activation rules', async () => {
    const classifier = fromFunction((images) => tf.reshape(pool(images), [images.shape[0], 9]), {
      inputShape: [3, 3, 1],
      numClasses: 9,
    });
    const paths: Record<string, (x: tf.Tensor4D) => tf.Tensor> = {
      // A user's own tf.grad through a classifier's logits.
      logits: (x) =>
        tf.grad((input) => tf.sum(tf.mul(classifier.logits(input as tf.Tensor4D), tf.tensor2d([WEIGHTS]))))(
          x,
        ),
      gradientScope: (x) => gradientScope(() => tf.grad((input) => weighted(pool(input)))(x)),
      withActivationGradientRule: (x) =>
        withActivationGradientRule('guided', () => tf.grad((input) => weighted(pool(tf.relu(input))))(x)),
    };
    for (const [path, run] of Object.entries(paths)) {
      await expectNoLeak(async () => {
        const x = tf.tensor4d(X.map(Math.abs), [1, 3, 3, 1]);
        tf.registerGradient(stockAvgPoolGradient);
        const gradient = run(x);
        expect(isNetlens(tf.getGradient(AvgPool)), path).toBe(true);
        await expectTensorsClose(gradient, EXACT);
        tf.dispose([x, gradient]);
      });
    }
  });

  it('leaves a gradient that an activation rule scope registered alone', () => {
    withActivationGradientRule('deconvnet', () => {
      const ruled = GRADIENT_OVERRIDE_KERNELS.map((kernel) => tf.getGradient(kernel));
      expect(ensureGradientOverrides()).toBe(0);
      expect(GRADIENT_OVERRIDE_KERNELS.map((kernel) => tf.getGradient(kernel))).toEqual(ruled);
    });
  });
});
