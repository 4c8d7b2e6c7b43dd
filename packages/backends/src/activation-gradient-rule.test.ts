import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  ACTIVATION_RULE_KERNELS,
  type ActivationGradientRule,
  withActivationGradientRule,
} from './activation-gradient-rule';
import { NetlensError } from './errors';
import { fusedConv2d } from './fused-conv2d';
import { describeOnBackends, expectNoLeak, expectTensorsClose, seededValues } from './testing/index';

const RULES: readonly ActivationGradientRule[] = ['guided', 'deconvnet'];

/** The value of a scalar computed by `f`, leaving no tensor behind. */
async function scalarOf(f: () => tf.Tensor): Promise<number> {
  const result = tf.tidy(f);
  const [value] = await result.data();
  result.dispose();
  return value as number;
}

const maxAbsDifference = (a: tf.Tensor, b: tf.Tensor) => scalarOf(() => tf.max(tf.abs(tf.sub(a, b))));

/** Two conv+ReLU layers and a linear read-out, written fused or as `relu(conv2d + bias)`. */
function createConvNet() {
  const w1 = tf.tensor4d(seededValues(3 * 3 * 3 * 6, 11, -0.6, 0.6), [3, 3, 3, 6]);
  const b1 = tf.tensor1d(seededValues(6, 12, -0.3, 0.3));
  const w2 = tf.tensor4d(seededValues(3 * 3 * 6 * 4, 13, -0.5, 0.5), [3, 3, 6, 4]);
  const b2 = tf.tensor1d(seededValues(4, 14, -0.3, 0.3));
  // A read-out of both signs, so that the guided rule's [dy > 0] has something to block.
  const readOut = tf.tensor4d(seededValues(2 * 3 * 3 * 4, 15, -1, 1), [2, 3, 3, 4]);
  const layer = (x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D, fused: boolean, strides: number) =>
    fused
      ? fusedConv2d({ x, filter, bias, strides, pad: 'same', activation: 'relu' })
      : tf.relu(tf.add(tf.conv2d(x, filter, strides, 'same'), bias) as tf.Tensor4D);
  const score = (fused: boolean) => (x: tf.Tensor) => {
    const h = layer(layer(x as tf.Tensor4D, w1, b1, fused, 1), w2, b2, fused, 2);
    return tf.sum(tf.mul(h, readOut)) as tf.Scalar;
  };
  return { w1, b1, w2, b2, readOut, score, dispose: () => tf.dispose([w1, b1, w2, b2, readOut]) };
}

describeOnBackends('withActivationGradientRule', () => {
  it('applies the rule to the ReLU fused into fusedConv2d exactly as to tf.relu(conv2d + bias)', async () => {
    const net = createConvNet();
    const x = tf.tensor4d(seededValues(2 * 6 * 6 * 3, 16, -1, 1), [2, 6, 6, 3]);
    await expectNoLeak(async () => {
      const plainFused = tf.grad(net.score(true))(x);
      const plainUnfused = tf.grad(net.score(false))(x);
      await expectTensorsClose(plainFused, plainUnfused);
      for (const rule of RULES) {
        const fused = withActivationGradientRule(rule, () => tf.grad(net.score(true))(x));
        const unfused = withActivationGradientRule(rule, () => tf.grad(net.score(false))(x));
        await expectTensorsClose(fused, unfused);
        // The rule changes the map: a fused network no longer returns the plain gradient.
        const scale = await scalarOf(() => tf.max(tf.abs(plainFused)));
        expect(await maxAbsDifference(fused, plainFused)).toBeGreaterThan(0.05 * scale);
        tf.dispose([fused, unfused]);
      }
      // The weight gradients under a rule follow the same masked signal.
      const [fusedW1, fusedB2] = withActivationGradientRule('guided', () =>
        tf.grads((w1: tf.Tensor, b2: tf.Tensor) => {
          const h = fusedConv2d({
            x,
            filter: w1 as tf.Tensor4D,
            bias: net.b1,
            pad: 'same',
            activation: 'relu',
          });
          const y = fusedConv2d({
            x: h,
            filter: net.w2,
            bias: b2 as tf.Tensor1D,
            strides: 2,
            pad: 'same',
            activation: 'relu',
          });
          return tf.sum(tf.mul(y, net.readOut));
        })([net.w1, net.b2]),
      ) as [tf.Tensor, tf.Tensor];
      const [unfusedW1, unfusedB2] = withActivationGradientRule('guided', () =>
        tf.grads((w1: tf.Tensor, b2: tf.Tensor) => {
          const h = tf.relu(tf.add(tf.conv2d(x, w1 as tf.Tensor4D, 1, 'same'), net.b1) as tf.Tensor4D);
          const y = tf.relu(tf.add(tf.conv2d(h, net.w2, 2, 'same'), b2));
          return tf.sum(tf.mul(y, net.readOut));
        })([net.w1, net.b2]),
      ) as [tf.Tensor, tf.Tensor];
      await expectTensorsClose(fusedW1, unfusedW1);
      await expectTensorsClose(fusedB2, unfusedB2);
      tf.dispose([plainFused, plainUnfused, fusedW1, fusedB2, unfusedW1, unfusedB2]);
    });
    x.dispose();
    net.dispose();
  });

  it('equals the rules written out by hand for one fused layer', async () => {
    const filter = tf.tensor4d(seededValues(3 * 3 * 2 * 5, 21, -0.7, 0.7), [3, 3, 2, 5]);
    const bias = tf.tensor1d(seededValues(5, 22, -0.2, 0.2));
    const weights = tf.tensor4d(seededValues(1 * 4 * 4 * 5, 23, -1, 1), [1, 4, 4, 5]);
    const x = tf.tensor4d(seededValues(4 * 4 * 2, 24, -1, 1), [1, 4, 4, 2]);
    await expectNoLeak(async () => {
      const score = (input: tf.Tensor) =>
        tf.sum(
          tf.mul(
            fusedConv2d({ x: input as tf.Tensor4D, filter, bias, pad: 'same', activation: 'relu' }),
            weights,
          ),
        ) as tf.Scalar;
      // dx = convᵀ(g) for the upstream signal g the rule leaves: a linear map of g, taken with a
      // plain gradient through the convolution alone.
      const throughConv = (signal: tf.Tensor) =>
        tf.grad((input: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, filter, 1, 'same'), signal)),
        )(x);
      const positive = tf.tidy(() => tf.step(tf.add(tf.conv2d(x, filter, 1, 'same'), bias)));
      const expected = {
        guided: tf.tidy(() => throughConv(tf.mul(tf.relu(weights), positive))),
        deconvnet: tf.tidy(() => throughConv(tf.relu(weights))),
      };
      for (const rule of RULES) {
        const actual = withActivationGradientRule(rule, () => tf.grad(score)(x));
        await expectTensorsClose(actual, expected[rule]);
        actual.dispose();
      }
      tf.dispose([positive, expected.guided, expected.deconvnet]);
    });
    tf.dispose([filter, bias, weights, x]);
  });

  it('gives every spelling of ReLU6 the same maps: the rule on the ReLU, the cap at 6 an ordinary gradient', async () => {
    const pixels = 16;
    const hidden = 40;
    // Weights scaled so that about a quarter of the pre-activations exceed 6.
    const w1 = tf.tidy(() =>
      tf.mul(tf.tensor2d(seededValues(pixels * hidden, 31, -1, 1), [pixels, hidden]), 5),
    );
    const w2 = tf.tensor2d(seededValues(hidden * 3, 32, -1, 1), [hidden, 3]);
    const x = tf.tensor2d(seededValues(4 * pixels, 33, 0, 1), [4, pixels]);
    const spellings: Record<string, (h: tf.Tensor) => tf.Tensor> = {
      'tf.relu6 (Relu6 kernel)': (h) => tf.relu6(h),
      'clipByValue(relu, 0, 6) (Keras ReLU(max_value=6))': (h) => tf.clipByValue(tf.relu(h), 0, 6),
      'minimum(6, relu) (tfjs-layers relu6 activation)': (h) => tf.minimum(6, tf.relu(h)),
    };
    await expectNoLeak(async () => {
      const h = tf.matMul(x, w1);
      const saturated = await scalarOf(() => tf.mean(tf.cast(tf.greater(h, 6), 'float32')));
      expect(saturated).toBeGreaterThan(0.15);
      expect(saturated).toBeLessThan(0.35);
      // dy at the activation is W2ᵀ summed over classes; dx = g · W1ᵀ for the signal g each rule leaves.
      const dy = tf.tidy(() => tf.tile(tf.reshape(tf.sum(w2, 1), [1, hidden]), [4, 1]));
      const below = tf.tidy(() => tf.cast(tf.lessEqual(h, 6), 'float32'));
      const expected = {
        guided: tf.tidy(() => tf.matMul(tf.mul(tf.mul(tf.relu(dy), tf.step(h)), below), w1, false, true)),
        deconvnet: tf.tidy(() => tf.matMul(tf.mul(tf.relu(dy), below), w1, false, true)),
      };
      for (const [name, activation] of Object.entries(spellings)) {
        const score = (input: tf.Tensor) =>
          tf.sum(tf.matMul(activation(tf.matMul(input, w1)), w2)) as tf.Scalar;
        const plain = tf.grad(score)(x);
        for (const rule of RULES) {
          const map = withActivationGradientRule(rule, () => tf.grad(score)(x));
          await expectTensorsClose(map, expected[rule]).catch((error: Error) => {
            throw new Error(`${name}, ${rule}: ${error.message}`);
          });
          expect(await maxAbsDifference(map, plain), `${name}, ${rule} vs plain`).toBeGreaterThan(0.1);
          map.dispose();
        }
        plain.dispose();
      }
      tf.dispose([h, dy, below, expected.guided, expected.deconvnet]);
    });
    tf.dispose([w1, w2, x]);
  });
});

describe('withActivationGradientRule scope', () => {
  const registered = () => ACTIVATION_RULE_KERNELS.map((kernel) => tf.getGradient(kernel));

  it('covers Relu, Relu6 and the fused convolution', () => {
    expect(ACTIVATION_RULE_KERNELS).toEqual(['Relu', 'Relu6', 'FusedConv2D']);
  });

  it('puts back the same gradient configs after a call, a throwing body and a refused Promise', () => {
    const before = registered();
    expect(before.every((config) => config !== undefined)).toBe(true);
    let seen: unknown[] = [];
    expect(
      withActivationGradientRule('guided', () => {
        seen = registered();
        return 7;
      }),
    ).toBe(7);
    expect(seen.some((config, i) => config === before[i])).toBe(false);
    expect(registered()).toEqual(before);
    expect(registered().every((config, i) => config === before[i])).toBe(true);
    expect(() =>
      withActivationGradientRule('deconvnet', () => {
        throw new Error('body failed');
      }),
    ).toThrow('body failed');
    expect(registered().every((config, i) => config === before[i])).toBe(true);
    expect(() => withActivationGradientRule('guided', () => Promise.resolve(1))).toThrow(NetlensError);
    expect(registered().every((config, i) => config === before[i])).toBe(true);
  });

  it('refuses a nested scope and an unknown rule with INVALID_ARGUMENT, keeping the registry', () => {
    const before = registered();
    let caught: unknown;
    try {
      withActivationGradientRule('guided', () => withActivationGradientRule('deconvnet', () => 0));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(NetlensError);
    expect((caught as NetlensError).code).toBe('INVALID_ARGUMENT');
    expect((caught as Error).message).toMatch(/inside a 'guided' one/);
    expect(() => withActivationGradientRule('smooth' as ActivationGradientRule, () => 0)).toThrow(
      /Unknown activation gradient rule 'smooth'/,
    );
    expect(registered().every((config, i) => config === before[i])).toBe(true);
  });

  it('leaves plain ReLU gradients standard outside a scope', async () => {
    await expectNoLeak(async () => {
      withActivationGradientRule('deconvnet', () => 0);
      const x = tf.tensor1d([-2, -0.5, 0.5, 2, 7]);
      const dy = tf.tensor1d([1, -1, -1, 1, 1]);
      const relu = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu(input), dy)))(x);
      const relu6 = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.relu6(input), dy)))(x);
      await expectTensorsClose(relu, [0, 0, -1, 1, 1]);
      await expectTensorsClose(relu6, [0, 0, -1, 1, 0]);
      tf.dispose([x, dy, relu, relu6]);
    });
  });
});
