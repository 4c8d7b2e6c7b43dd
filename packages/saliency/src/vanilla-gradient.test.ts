import { InvalidArgumentError } from '@netlens/backends';
import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  numericGradient,
  tinyImages,
} from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLinearModel, linearImages, reducePixels, weightColumn } from './__fixtures__/linear-model';
import { sampleDigits } from './__fixtures__/mnist-digits';
import { vanillaGradient } from './vanilla-gradient';

const absMax = (channels: number[]) => Math.max(...channels.map(Math.abs));

describeOnBackends('vanillaGradient', () => {
  let linear: ReturnType<typeof createLinearModel>;
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    linear = createLinearModel();
    tiny = createTinyConvNet();
    images = linearImages(2);
  });
  afterAll(() => {
    linear.dispose();
    tiny.dispose();
    images.dispose();
  });

  it('equals |W| reduced by max over channels on a linear model', async () => {
    await expectNoLeak(async () => {
      const map = await vanillaGradient(linear.classifier, images, { target: [0, 2] });
      expect(map.shape).toEqual([2, 2, 2, 1]);
      await expectTensorsClose(map, [
        ...reducePixels(weightColumn(0), absMax),
        ...reducePixels(weightColumn(2), absMax),
      ]);
      map.dispose();
    });
  });

  it('reduces channels by sum, l2 or not at all; abs: false keeps signs', async () => {
    await expectNoLeak(async () => {
      const w = weightColumn(1);
      const cases = [
        {
          options: { channelReduction: 'sum' as const },
          expected: reducePixels(w, (c) => c.reduce((a, b) => a + Math.abs(b), 0)),
        },
        { options: { channelReduction: 'l2' as const }, expected: reducePixels(w, (c) => Math.hypot(...c)) },
        { options: { channelReduction: 'none' as const }, expected: w.map(Math.abs) },
        { options: { channelReduction: 'none' as const, abs: false }, expected: w },
        {
          options: { channelReduction: 'sum' as const, abs: false },
          expected: reducePixels(w, (c) => c.reduce((a, b) => a + b, 0)),
        },
      ];
      expect(w.some((value) => value < 0)).toBe(true);
      for (const { options, expected } of cases) {
        const map = await vanillaGradient(linear.classifier, images, { ...options, target: 1 });
        await expectTensorsClose(map, [...expected, ...expected]);
        map.dispose();
      }
    });
  });

  it("explains the argmax for 'predicted', and any scalar with scoreFn", async () => {
    await expectNoLeak(async () => {
      const logits = linear.classifier.logits(images);
      const indices = tf.argMax(logits, 1);
      const argmax = Array.from(await indices.data());
      tf.dispose([logits, indices]);
      const predicted = await vanillaGradient(linear.classifier, images);
      const explicit = await vanillaGradient(linear.classifier, images, { target: argmax });
      await expectTensorsClose(predicted, explicit);
      const margin = await vanillaGradient(linear.classifier, images, {
        channelReduction: 'none',
        abs: false,
        target: 2, // ignored when scoreFn is given
        scoreFn: (model, x) =>
          tf.tidy(() => {
            const scores = model.logits(x);
            return tf.reshape(
              tf.sub(tf.slice(scores, [0, 0], [-1, 1]), tf.slice(scores, [0, 1], [-1, 1])),
              [-1],
            );
          }) as tf.Tensor1D,
      });
      const difference = weightColumn(0).map((value, p) => value - (weightColumn(1)[p] as number));
      await expectTensorsClose(margin, [...difference, ...difference]);
      tf.dispose([predicted, explicit, margin]);
    });
  });

  it('matches the centered-difference gradient on the tiny conv net (before abs)', async () => {
    await expectNoLeak(async () => {
      const image = tinyImages(1, 11);
      const target = 3;
      const analytic = await vanillaGradient(tiny.classifier, image, {
        target,
        abs: false,
        channelReduction: 'none',
      });
      const score = (x: tf.Tensor4D) =>
        tf.tidy(() => tf.squeeze(tf.slice(tiny.classifier.logits(x), [0, target], [1, 1])) as tf.Scalar);
      const numeric = await numericGradient(score, image);
      await expectTensorsClose(analytic, numeric, { rtol: 1e-2, atol: 1e-2 });
      tf.dispose([image, analytic, numeric]);
    });
  });

  it('rejects bad input with InvalidArgumentError and no leaked tensors', async () => {
    const { classifier } = linear;
    const cases: [string, () => tf.Tensor, object][] = [
      ['images', () => tf.zeros([2, 2, 3]), {}],
      ['images', () => tf.zeros([1, 2, 2, 1]), {}],
      ['images', () => tf.tensor4d([Number.NaN, ...new Array(11).fill(0)], [1, 2, 2, 3]), {}],
      ['images', () => tf.fill([1, 2, 2, 3], 1.5), {}],
      ['options.target', () => tf.zeros([2, 2, 2, 3]), { target: 3 }],
      ['options.target', () => tf.zeros([2, 2, 2, 3]), { target: [0] }],
      ['options.channelReduction', () => tf.zeros([1, 2, 2, 3]), { channelReduction: 'mean' }],
      ['options.abs', () => tf.zeros([1, 2, 2, 3]), { abs: 'yes' }],
    ];
    for (const [argument, make, options] of cases) {
      const input = make();
      await expectNoLeak(async () => {
        const error = await vanillaGradient(classifier, input as tf.Tensor4D, options).catch(
          (caught) => caught,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      });
      input.dispose();
    }
  });
});

describeOnBackends('vanillaGradient on the MNIST classifier', () => {
  let classifier: ReturnType<typeof mnistClassifier>;
  beforeAll(() => {
    classifier = mnistClassifier();
  });
  afterAll(() => classifier.dispose());

  it('is larger on the stroke than on the background, for each sample digit', async () => {
    await expectNoLeak(async () => {
      const pixels = sampleDigits();
      const digits = tf.tensor4d(pixels, [10, 28, 28, 1]);
      const map = await vanillaGradient(classifier, digits, { target: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
      const values = await map.data();
      tf.dispose([digits, map]);
      for (let digit = 0; digit < 10; digit++) {
        let stroke = 0;
        let strokeCount = 0;
        let background = 0;
        let backgroundCount = 0;
        for (let i = digit * 784; i < (digit + 1) * 784; i++) {
          if ((pixels[i] as number) > 0.5) {
            stroke += values[i] as number;
            strokeCount++;
          } else {
            background += values[i] as number;
            backgroundCount++;
          }
        }
        expect(stroke / strokeCount, `digit ${digit}`).toBeGreaterThan(background / backgroundCount);
      }
    });
  });
});
