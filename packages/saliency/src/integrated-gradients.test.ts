import { fromFunction, type ImageClassifier, InvalidArgumentError, seededValues } from '@netlens/backends';
import {
  backendEpsilon,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { itKeepsTheStepContract } from './__fixtures__/step-contract';
import { type IntegratedGradientsOptions, integratedGradients } from './integrated-gradients';
import { gaussianBlur } from './internal/ig-baselines';
import { gaussLegendre, INTEGRATION_METHODS, integrationPoints } from './internal/ig-quadrature';

const SHAPE = [8, 8, 3] as const;
const PIXELS = 8 * 8 * 3;
const CLASSES = 5;

/** logits = flatten(x)·W + b: its Integrated Gradients are exactly (x − baseline) ⊙ W[:, target]. */
function linearModel(): { classifier: ImageClassifier; weights: tf.Tensor2D; dispose(): void } {
  const weights = tf.tensor2d(seededValues(PIXELS * CLASSES, 11), [PIXELS, CLASSES]);
  const bias = tf.tensor1d(seededValues(CLASSES, 12));
  const classifier = fromFunction(
    (x) => tf.add(tf.matMul(tf.reshape(x, [-1, PIXELS]), weights), bias) as tf.Tensor2D,
    { inputShape: SHAPE, numClasses: CLASSES },
  );
  return { classifier, weights, dispose: () => tf.dispose([weights, bias]) };
}

/** A smooth nonlinear model: logits = softplus(tanh(flatten(x)·W1)·W2), strong enough to curve. */
function smoothModel(): { classifier: ImageClassifier; dispose(): void } {
  const hidden = 16;
  const w1 = tf.tensor2d(seededValues(PIXELS * hidden, 21, -0.4, 0.4), [PIXELS, hidden]);
  const w2 = tf.tensor2d(seededValues(hidden * CLASSES, 22, -2, 2), [hidden, CLASSES]);
  const classifier = fromFunction(
    (x) => tf.softplus(tf.matMul(tf.tanh(tf.matMul(tf.reshape(x, [-1, PIXELS]), w1)), w2)) as tf.Tensor2D,
    { inputShape: SHAPE, numClasses: CLASSES },
  );
  return { classifier, dispose: () => tf.dispose([w1, w2]) };
}

/** (x − baseline) ⊙ W[:, target_i] per image. */
function linearExpected(
  images: tf.Tensor4D,
  baseline: tf.Tensor4D,
  weights: tf.Tensor2D,
  targets: number[],
): tf.Tensor4D {
  return tf.tidy(() => {
    const columns = tf.transpose(tf.gather(weights, tf.tensor1d(targets, 'int32'), 1)); // [N, PIXELS]
    return tf.mul(tf.sub(images, baseline), tf.reshape(columns, images.shape)) as tf.Tensor4D;
  });
}

function maxAbs(values: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i] as number));
  return worst;
}

async function run(
  classifier: ImageClassifier,
  images: tf.Tensor4D,
  options: IntegratedGradientsOptions,
): Promise<{ attributions: Float32Array; delta: Float32Array }> {
  const { attributions, convergenceDelta } = await integratedGradients(classifier, images, options);
  const values = (await attributions.data()) as Float32Array;
  attributions.dispose();
  return { attributions: values, delta: convergenceDelta };
}

describe('Gauss–Legendre quadrature on [0, 1]', () => {
  it('matches the closed forms for 2 and 3 points', () => {
    const two = gaussLegendre(2);
    const offset2 = 1 / (2 * Math.sqrt(3));
    expect(Array.from(two.alphas)).toEqual([
      expect.closeTo(0.5 - offset2, 14),
      expect.closeTo(0.5 + offset2, 14),
    ]);
    expect(Array.from(two.weights)).toEqual([expect.closeTo(0.5, 14), expect.closeTo(0.5, 14)]);
    const three = gaussLegendre(3);
    const offset3 = Math.sqrt(3 / 5) / 2;
    expect(Array.from(three.alphas)).toEqual([
      expect.closeTo(0.5 - offset3, 14),
      expect.closeTo(0.5, 14),
      expect.closeTo(0.5 + offset3, 14),
    ]);
    expect(Array.from(three.weights)).toEqual([
      expect.closeTo(5 / 18, 14),
      expect.closeTo(8 / 18, 14),
      expect.closeTo(5 / 18, 14),
    ]);
  });

  it('integrates polynomials of degree 2n − 1 exactly, weights summing to 1', () => {
    for (const n of [1, 4, 17, 50, 64]) {
      const { alphas, weights } = gaussLegendre(n);
      const degree = 2 * n - 1;
      let integral = 0;
      let total = 0;
      for (let k = 0; k < n; k++) {
        integral += (weights[k] as number) * (alphas[k] as number) ** degree;
        total += weights[k] as number;
      }
      expect(total).toBeCloseTo(1, 12);
      expect(integral).toBeCloseTo(1 / (degree + 1), 12);
    }
  });

  it("uses Captum's Riemann points", () => {
    expect(Array.from(integrationPoints('riemann_left', 4).alphas)).toEqual([0, 0.25, 0.5, 0.75]);
    expect(Array.from(integrationPoints('riemann_right', 4).alphas)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(Array.from(integrationPoints('riemann_middle', 2).alphas)).toEqual([0.25, 0.75]);
    const trapezoid = integrationPoints('riemann_trapezoid', 3);
    expect(Array.from(trapezoid.alphas)).toEqual([0, 0.5, 1]);
    expect(Array.from(trapezoid.weights)).toEqual([0.25, 0.5, 0.25]);
  });
});

describeOnBackends('integratedGradients', () => {
  let linear: ReturnType<typeof linearModel>;
  let smooth: ReturnType<typeof smoothModel>;
  let images: tf.Tensor4D;
  const targets = [1, 3];

  beforeAll(() => {
    linear = linearModel();
    smooth = smoothModel();
    images = tinyImages(2);
  });
  afterAll(() => {
    linear.dispose();
    smooth.dispose();
    images.dispose();
  });

  it.each(INTEGRATION_METHODS)('is exact on a linear model with %s', async (method) => {
    await expectNoLeak(async () => {
      const { attributions, convergenceDelta } = await integratedGradients(linear.classifier, images, {
        method,
        numSteps: 5,
        target: targets,
      });
      const baseline = tf.zerosLike(images);
      const expected = linearExpected(images, baseline, linear.weights, targets);
      await expectTensorsClose(attributions, expected);
      expect(convergenceDelta).toHaveLength(2);
      expect(maxAbs(convergenceDelta)).toBeLessThan(backendEpsilon() * 10);
      tf.dispose([attributions, baseline, expected]);
    });
  });

  it('defaults to the predicted class, 50 Gauss–Legendre steps and a black baseline', async () => {
    await expectNoLeak(async () => {
      const predicted = tf.tidy(() => tf.argMax(linear.classifier.logits(images), 1));
      const classes = Array.from(await predicted.data());
      predicted.dispose();
      const { attributions, convergenceDelta } = await integratedGradients(linear.classifier, images);
      const baseline = tf.zerosLike(images);
      const expected = linearExpected(images, baseline, linear.weights, classes);
      await expectTensorsClose(attributions, expected);
      expect(maxAbs(convergenceDelta)).toBeLessThan(backendEpsilon() * 10);
      tf.dispose([attributions, baseline, expected]);
    });
  });

  it.each(['riemann_trapezoid', 'gausslegendre'] as const)(
    '|delta| shrinks as numSteps grows with %s',
    async (method) => {
      await expectNoLeak(async () => {
        const deltas: number[] = [];
        for (const numSteps of [4, 16, 64]) {
          const { delta } = await run(smooth.classifier, images, { method, numSteps, target: targets });
          deltas.push(maxAbs(delta));
        }
        const floor = backendEpsilon();
        const [coarse, medium, fine] = deltas as [number, number, number];
        expect(coarse).toBeGreaterThan(floor);
        expect(medium).toBeLessThan(coarse);
        expect(fine).toBeLessThanOrEqual(Math.max(medium, floor));
      });
    },
  );

  it('Gauss–Legendre with n steps beats riemann_left with n steps', async () => {
    await expectNoLeak(async () => {
      for (const numSteps of [4, 8]) {
        const gauss = await run(smooth.classifier, images, {
          method: 'gausslegendre',
          numSteps,
          target: targets,
        });
        const left = await run(smooth.classifier, images, {
          method: 'riemann_left',
          numSteps,
          target: targets,
        });
        expect(maxAbs(gauss.delta)).toBeLessThan(maxAbs(left.delta));
      }
    });
  });

  it('gives the same attributions for internalBatchSize 1, 7 and the default', async () => {
    await expectNoLeak(async () => {
      const options = { numSteps: 6, target: targets, baseline: 'white' } as const;
      const one = await run(smooth.classifier, images, { ...options, internalBatchSize: 1 });
      const seven = await run(smooth.classifier, images, { ...options, internalBatchSize: 7 });
      const automatic = await run(smooth.classifier, images, options);
      await expectTensorsClose(seven.attributions, one.attributions);
      await expectTensorsClose(automatic.attributions, one.attributions);
      await expectTensorsClose(seven.delta, one.delta);
    });
  });

  it('integrates from white and from a broadcast user tensor', async () => {
    await expectNoLeak(async () => {
      const white = await integratedGradients(linear.classifier, images, {
        baseline: 'white',
        target: targets,
      });
      const ones = tf.onesLike(images);
      const expectedWhite = linearExpected(images, ones, linear.weights, targets);
      await expectTensorsClose(white.attributions, expectedWhite);
      const gray = tf.fill([1, ...SHAPE], 0.5) as tf.Tensor4D;
      const user = await integratedGradients(linear.classifier, images, { baseline: gray, target: targets });
      const expectedGray = linearExpected(images, gray, linear.weights, targets);
      await expectTensorsClose(user.attributions, expectedGray);
      expect(maxAbs(user.convergenceDelta)).toBeLessThan(backendEpsilon() * 10);
      expect(gray.isDisposed).toBe(false);
      tf.dispose([white.attributions, ones, expectedWhite, gray, user.attributions, expectedGray]);
    });
  });

  it('blurs with a normalised separable Gaussian and uses it as the blurred baseline', async () => {
    await expectNoLeak(async () => {
      const constant = tf.fill([1, ...SHAPE], 0.3) as tf.Tensor4D;
      const blurredConstant = gaussianBlur(constant, 2);
      await expectTensorsClose(blurredConstant, constant);
      const blurred = gaussianBlur(images, 1.5);
      const range = tf.tidy(() => tf.stack([tf.min(blurred), tf.max(blurred)]));
      const [low, high] = await range.data();
      range.dispose();
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      const viaOption = await run(smooth.classifier, images, {
        baseline: 'blurred',
        blurSigma: 1.5,
        numSteps: 8,
        target: targets,
      });
      const viaTensor = await run(smooth.classifier, images, {
        baseline: blurred,
        numSteps: 8,
        target: targets,
      });
      await expectTensorsClose(viaOption.attributions, viaTensor.attributions);
      tf.dispose([constant, blurredConstant, blurred]);
    });
  });

  it('draws the uniform baseline from the seed', async () => {
    await expectNoLeak(async () => {
      const noise = tf.tensor4d(seededValues(images.size, 9, 0, 1), images.shape);
      const viaOption = await integratedGradients(linear.classifier, images, {
        baseline: 'uniform',
        seed: 9,
        target: targets,
      });
      const expected = linearExpected(images, noise, linear.weights, targets);
      await expectTensorsClose(viaOption.attributions, expected);
      tf.dispose([noise, viaOption.attributions, expected]);
    });
  });

  it('averages attributions and deltas over a distribution of baselines', async () => {
    await expectNoLeak(async () => {
      const first = tf.fill([1, ...SHAPE], 0.2) as tf.Tensor4D;
      const second = tf.tensor4d(seededValues(images.size, 5, 0, 1), images.shape);
      const options = { numSteps: 4, target: targets } as const;
      const a = await run(smooth.classifier, images, { ...options, baseline: first });
      const b = await run(smooth.classifier, images, { ...options, baseline: second });
      const expected = await run(smooth.classifier, images, {
        ...options,
        baseline: { distribution: [first, second] },
      });
      await expectTensorsClose(
        expected.attributions,
        a.attributions.map((value, index) => (value + (b.attributions[index] as number)) / 2),
      );
      await expectTensorsClose(
        expected.delta,
        a.delta.map((value, index) => (value + (b.delta[index] as number)) / 2),
      );
      for (const distribution of ['uniform', 'blurred'] as const) {
        const drawn = await run(smooth.classifier, images, {
          ...options,
          baseline: { distribution, samples: 3, seed: 4 },
        });
        expect(drawn.attributions).toHaveLength(images.size);
        expect(drawn.attributions.every(Number.isFinite)).toBe(true);
      }
      tf.dispose([first, second]);
    });
  });

  it('explains a scoreFn instead of a class logit', async () => {
    await expectNoLeak(async () => {
      const scoreFn = (model: ImageClassifier, x: tf.Tensor4D) =>
        tf.tidy(() => {
          const logits = model.logits(x);
          return tf.sub(
            tf.squeeze(tf.slice(logits, [0, 2], [-1, 1]), [1]),
            tf.squeeze(tf.slice(logits, [0, 0], [-1, 1]), [1]),
          ) as tf.Tensor1D;
        });
      const { attributions, convergenceDelta } = await integratedGradients(linear.classifier, images, {
        scoreFn,
        numSteps: 3,
      });
      const baseline = tf.zerosLike(images);
      const expected = tf.tidy(() =>
        tf.sub(
          linearExpected(images, baseline, linear.weights, [2, 2]),
          linearExpected(images, baseline, linear.weights, [0, 0]),
        ),
      );
      await expectTensorsClose(attributions, expected);
      expect(maxAbs(convergenceDelta)).toBeLessThan(backendEpsilon() * 10);
      tf.dispose([attributions, baseline, expected]);
    });
  });

  describe('rejects bad input with InvalidArgumentError and no leak', () => {
    const cases: [string, () => IntegratedGradientsOptions | tf.Tensor4D, string][] = [
      ['numSteps 0', () => ({ numSteps: 0 }), 'options.numSteps'],
      ['numSteps -3', () => ({ numSteps: -3 }), 'options.numSteps'],
      ['numSteps 2.5', () => ({ numSteps: 2.5 }), 'options.numSteps'],
      ['numSteps 1e9 (above 10000)', () => ({ numSteps: 1e9 }), 'options.numSteps'],
      ['numSteps 10001', () => ({ numSteps: 10_001 }), 'options.numSteps'],
      ['memoryBudget 0', () => ({ memoryBudget: 0 }), 'options.memoryBudget'],
      ['memoryBudget Infinity', () => ({ memoryBudget: Number.POSITIVE_INFINITY }), 'options.memoryBudget'],
      ['an onStep that is not a function', () => ({ onStep: 3 as never }), 'options.onStep'],
      ['a signal that is not an AbortSignal', () => ({ signal: {} as never }), 'options.signal'],
      ['trapezoid with 1 step', () => ({ numSteps: 1, method: 'riemann_trapezoid' }), 'options.numSteps'],
      ['an unknown method', () => ({ method: 'simpson' as never }), 'options.method'],
      ['internalBatchSize 0', () => ({ internalBatchSize: 0 }), 'options.internalBatchSize'],
      ['internalBatchSize 1.5', () => ({ internalBatchSize: 1.5 }), 'options.internalBatchSize'],
      ['a target out of range', () => ({ target: CLASSES }), 'options.target'],
      ['a target list of the wrong length', () => ({ target: [0] }), 'options.target'],
      ['an unknown baseline', () => ({ baseline: 'gray' as never }), 'options.baseline'],
      ['a non-positive blurSigma', () => ({ baseline: 'blurred', blurSigma: 0 }), 'options.blurSigma'],
      [
        'zero samples',
        () => ({ baseline: { distribution: 'uniform', samples: 0 } }),
        'options.baseline.samples',
      ],
      ['an empty baseline list', () => ({ baseline: { distribution: [] } }), 'options.baseline.samples'],
      [
        '1e9 baseline samples',
        () => ({ baseline: { distribution: 'uniform', samples: 1e9 } }),
        'options.baseline.samples',
      ],
    ];
    it.each(cases)('%s', async (_, makeOptions, argument) => {
      await expectNoLeak(async () => {
        const options = makeOptions() as IntegratedGradientsOptions;
        const error = await integratedGradients(linear.classifier, images, options).catch((caught) => caught);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      });
    });

    it.each([
      ['[3, H, W, C]', [3, 8, 8, 3]],
      ['[1, 4, 4, 3]', [1, 4, 4, 3]],
      ['[1, 8, 8, 1]', [1, 8, 8, 1]],
    ] as const)('a baseline of shape %s', async (_, shape) => {
      const baseline = tf.zeros([...shape]) as tf.Tensor4D;
      await expectNoLeak(async () => {
        const error = await integratedGradients(linear.classifier, images, { baseline }).catch(
          (caught) => caught,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe('options.baseline');
      });
      const inList = await integratedGradients(linear.classifier, images, {
        baseline: { distribution: [baseline] },
      }).catch((caught) => caught);
      expect((inList as InvalidArgumentError).argument).toBe('options.baseline.distribution[0]');
      baseline.dispose();
    });

    it.each([
      ['NaN', Number.NaN],
      ['above 1', 1.5],
      ['below 0', -0.1],
    ])('images with %s', async (_, value) => {
      const bad = tf.tidy(
        () => tf.concat([tf.fill([1, ...SHAPE], value), tf.fill([1, ...SHAPE], 0.5)]) as tf.Tensor4D,
      );
      await expectNoLeak(async () => {
        const error = await integratedGradients(linear.classifier, bad).catch((caught) => caught);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe('images');
      });
      bad.dispose();
    });
  });
});

describeOnBackends('integratedGradients progress and abort', () => {
  let linear: ReturnType<typeof linearModel>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    linear = linearModel();
    images = tinyImages(2);
  });
  afterAll(() => {
    linear.dispose();
    images.dispose();
  });

  // 2 images × 6 steps × 2 baseline samples = 24 (image, step) pairs, 3 per chunk.
  itKeepsTheStepContract(
    'integratedGradients',
    (options) =>
      integratedGradients(linear.classifier, images, {
        ...options,
        numSteps: 6,
        baseline: { distribution: 'uniform', samples: 2 },
      }),
    24,
    3,
  );
});
