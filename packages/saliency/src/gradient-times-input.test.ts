import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLinearModel, linearImages, reducePixels, weightColumn } from './__fixtures__/linear-model';
import { gradientTimesInput } from './gradient-times-input';

describeOnBackends('gradientTimesInput', () => {
  let linear: ReturnType<typeof createLinearModel>;
  let images: tf.Tensor4D;
  let pixels: number[];
  beforeAll(async () => {
    linear = createLinearModel();
    images = linearImages(2);
    pixels = Array.from(await images.data());
  });
  afterAll(() => {
    linear.dispose();
    images.dispose();
  });

  it('equals W ⊙ x per channel on a linear model', async () => {
    await expectNoLeak(async () => {
      const map = await gradientTimesInput(linear.classifier, images, {
        target: [2, 0],
        channelReduction: 'none',
      });
      expect(map.shape).toEqual([2, 2, 2, 3]);
      const expected = [...weightColumn(2), ...weightColumn(0)].map((w, i) => w * (pixels[i] as number));
      await expectTensorsClose(map, expected);
      map.dispose();
    });
  });

  it('sums channels by default, and the attributions sum to the bias-free logit', async () => {
    await expectNoLeak(async () => {
      const map = await gradientTimesInput(linear.classifier, images, { target: 1 });
      expect(map.shape).toEqual([2, 2, 2, 1]);
      const products = [...weightColumn(1), ...weightColumn(1)].map((w, i) => w * (pixels[i] as number));
      await expectTensorsClose(
        map,
        reducePixels(products, (c) => c.reduce((a, b) => a + b, 0)),
      );
      const totals = tf.sum(map, [1, 2, 3]);
      const logit = tf.tidy(() =>
        tf.reshape(tf.slice(linear.classifier.logits(images), [0, 1], [-1, 1]), [-1]),
      );
      await expectTensorsClose(totals, logit);
      tf.dispose([map, totals, logit]);
    });
  });

  it('reduces channels by max and l2', async () => {
    await expectNoLeak(async () => {
      const products = [...weightColumn(0), ...weightColumn(0)].map((w, i) => w * (pixels[i] as number));
      const max = await gradientTimesInput(linear.classifier, images, { target: 0, channelReduction: 'max' });
      const l2 = await gradientTimesInput(linear.classifier, images, { target: 0, channelReduction: 'l2' });
      await expectTensorsClose(
        max,
        reducePixels(products, (c) => Math.max(...c)),
      );
      await expectTensorsClose(
        l2,
        reducePixels(products, (c) => Math.hypot(...c)),
      );
      tf.dispose([max, l2]);
    });
  });

  it('rejects bad input with InvalidArgumentError and no leaked tensors', async () => {
    const cases: [string, () => tf.Tensor, object][] = [
      ['images', () => tf.zeros([1, 2, 2, 3, 1]), {}],
      ['images', () => tf.zeros([1, 2, 2, 4]), {}],
      ['images', () => tf.fill([1, 2, 2, 3], -0.5), {}],
      ['options.target', () => tf.zeros([1, 2, 2, 3]), { target: -1 }],
      ['options.channelReduction', () => tf.zeros([1, 2, 2, 3]), { channelReduction: 'avg' }],
    ];
    for (const [argument, make, options] of cases) {
      const input = make();
      await expectNoLeak(async () => {
        const error = await gradientTimesInput(linear.classifier, input as tf.Tensor4D, options).catch(
          (caught) => caught,
        );
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect((error as InvalidArgumentError).argument).toBe(argument);
      });
      input.dispose();
    }
  });
});
