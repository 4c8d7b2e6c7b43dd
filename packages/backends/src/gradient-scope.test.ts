import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { gradientScope } from './gradient-scope';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from './testing/index';

// A forward pass that records three saved tensors (square saves x, exp saves its output, mul saves
// both inputs) and then throws, as a model with a wrong output shape does.
function throwingForward(x: tf.Tensor): tf.Scalar {
  const hidden = tf.mul(tf.exp(tf.square(x)), x);
  if (hidden.size > 0) throw new Error('model failed');
  return tf.sum(hidden);
}

describeOnBackends('gradientScope', () => {
  it('tf.grad alone leaks the saved tensors of a forward pass that throws (the defect it fixes)', () => {
    const x = tf.tensor1d([0.5, -1]);
    const before = tf.memory().numTensors;
    expect(() => tf.tidy(() => tf.grad(throwingForward)(x))).toThrow('model failed');
    const leaked = tf.memory().numTensors - before;
    expect(leaked).toBeGreaterThan(0);
    // Free them the way the scope does, so this test itself leaves nothing behind.
    const state = tf.engine().state as unknown as { activeTape: { saved?: tf.Tensor[] }[] | null };
    for (const node of state.activeTape ?? []) for (const tensor of node.saved ?? []) tensor.dispose();
    state.activeTape = null;
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('frees every saved tensor when the forward pass throws, and rethrows the error', async () => {
    const x = tf.tensor1d([0.5, -1]);
    await expectNoLeak(() => {
      expect(() => gradientScope(() => tf.tidy(() => tf.grad(throwingForward)(x)))).toThrow('model failed');
    });
    expect(x.isDisposed).toBe(false);
    x.dispose();
  });

  it('frees the saved tensors when the backward pass throws', async () => {
    const failing = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
      save([tf.exp(x)]);
      return {
        value: tf.square(x),
        gradFunc: () => {
          throw new Error('no gradient here');
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
    const x = tf.tensor1d([1, 2]);
    await expectNoLeak(() => {
      expect(() =>
        gradientScope(() => tf.tidy(() => tf.grad((input: tf.Tensor) => tf.sum(failing(tf.sin(input))))(x))),
      ).toThrow('no gradient here');
    });
    x.dispose();
  });

  it('leaves a successful gradient, the inputs and tensors kept by the computation untouched', async () => {
    const x = tf.tensor1d([0.5, -1, 2]);
    let kept: tf.Tensor | undefined;
    const gradient = await expectNoLeak(async () => {
      const result = gradientScope(() =>
        tf.tidy(() =>
          tf.grad((input: tf.Tensor) => {
            kept = tf.keep(tf.mul(input, 3));
            return tf.sum(tf.square(input));
          })(x),
        ),
      );
      await expectTensorsClose(result, [1, -2, 4]);
      const values = await result.data();
      result.dispose();
      kept?.dispose();
      return Array.from(values);
    });
    // d/dx Σx² = 2x.
    expect(gradient).toEqual([1, -2, 4]);
    x.dispose();
  });

  it('inside an enclosing gradient, frees only what the failed inner run saved; the outer gradient is exact', async () => {
    const x = tf.tensor1d([0.5, -1.5]);
    await expectNoLeak(async () => {
      const gradient = tf.tidy(() =>
        tf.grad((input: tf.Tensor) => {
          const y = tf.sum(tf.mul(tf.square(input), input));
          expect(() => gradientScope(() => tf.grad(throwingForward)(input))).toThrow('model failed');
          return y;
        })(x),
      );
      // d/dx Σx³ = 3x².
      await expectTensorsClose(gradient, [0.75, 6.75]);
      gradient.dispose();
    });
    x.dispose();
  });
});
