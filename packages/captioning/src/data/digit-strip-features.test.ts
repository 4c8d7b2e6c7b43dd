import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import { MNIST_LAYER_NAMES, mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mnistPools } from '../__fixtures__/mnist-pools';
import { digitStripClassifier, digitStripFeatures } from './digit-strip-features';
import { type DigitStrips, makeDigitStrips } from './mnist-captions';

describeOnBackends('digitStripFeatures', () => {
  let classifier: ReturnType<typeof mnistClassifier>;
  let strips: DigitStrips;
  let images: tf.Tensor4D;
  beforeAll(() => {
    classifier = mnistClassifier();
    strips = makeDigitStrips(mnistPools().test, { count: 6, seed: 9 });
    images = tf.tensor4d(strips.images, strips.shape);
  });
  afterAll(() => {
    classifier.dispose();
    images.dispose();
  });

  it("concatenates the CNN's dense1 output of each 28×28 cell, left to right", async () => {
    await expectNoLeak(async () => {
      const features = digitStripFeatures(classifier, images, { layers: ['dense1'] });
      expect(features.shape).toEqual([6, 4 * 64]);
      for (let slot = 0; slot < 4; slot++) {
        const cell = tf.slice(images, [0, 0, slot * 28, 0], [6, 28, 28, 1]);
        const [expected] = classifier.activations?.(cell, ['dense1']) ?? [];
        const got = tf.slice(features, [0, slot * 64], [6, 64]);
        await expectTensorsClose(got, expected as tf.Tensor);
        tf.dispose([cell, expected as tf.Tensor, got]);
      }
      features.dispose();
    });
  });

  it('gives every empty slot the same features and reads other layers flattened', async () => {
    await expectNoLeak(async () => {
      const features = digitStripFeatures(classifier, images, { layers: ['dense1'] });
      const rows = (await features.array()) as number[][];
      const empty: number[][] = [];
      strips.slots.forEach((slots, n) => {
        slots.forEach((label, slot) => {
          if (label === null) empty.push((rows[n] as number[]).slice(slot * 64, (slot + 1) * 64));
        });
      });
      expect(empty.length).toBeGreaterThan(1);
      for (const cell of empty) await expectTensorsClose(cell, empty[0] as number[]);
      const pooled = digitStripFeatures(classifier, images, { layers: ['pool2'] });
      expect(pooled.shape).toEqual([6, 4 * 5 * 5 * 32]);
      tf.dispose([features, pooled]);
    });
  });

  it('defaults to the class probabilities of each cell, and joins several outputs per cell', async () => {
    await expectNoLeak(async () => {
      const probabilities = digitStripFeatures(classifier, images);
      expect(probabilities.shape).toEqual([6, 40]);
      const joined = digitStripFeatures(classifier, images, { layers: ['logits', 'softmax'] });
      expect(joined.shape).toEqual([6, 80]);
      for (let slot = 0; slot < 4; slot++) {
        const cell = tf.slice(images, [0, 0, slot * 28, 0], [6, 28, 28, 1]);
        const logits = classifier.logits(cell);
        const softmax = tf.softmax(logits);
        const got = tf.slice(probabilities, [0, slot * 10], [6, 10]);
        await expectTensorsClose(got, softmax);
        const gotLogits = tf.slice(joined, [0, slot * 20], [6, 10]);
        const gotSoftmax = tf.slice(joined, [0, slot * 20 + 10], [6, 10]);
        await expectTensorsClose(gotLogits, logits);
        await expectTensorsClose(gotSoftmax, softmax);
        tf.dispose([cell, logits, softmax, got, gotLogits, gotSoftmax]);
      }
      const sums = tf.tidy(() => tf.sum(tf.reshape(probabilities, [6, 4, 10]), 2));
      await expectTensorsClose(sums, new Array(24).fill(1));
      tf.dispose([probabilities, joined, sums]);
    });
  });

  it('carries the digit of each slot: the strip classifier reads the right class in nearly every slot', async () => {
    await expectNoLeak(async () => {
      const many = makeDigitStrips(mnistPools().test, { count: 40, seed: 10 });
      const batch = tf.tensor4d(many.images, many.shape);
      const stripModel = digitStripClassifier(classifier);
      const logits = stripModel.logits(batch);
      expect(logits.shape).toEqual([40, 40]);
      const perSlot = tf.tidy(() => tf.argMax(tf.reshape(logits, [40, 4, 10]), 2));
      const predicted = (await perSlot.array()) as number[][];
      let correct = 0;
      let total = 0;
      many.slots.forEach((slots, n) => {
        slots.forEach((label, slot) => {
          if (label === null) return;
          total++;
          if (predicted[n]?.[slot] === label) correct++;
        });
      });
      expect(correct / total).toBeGreaterThan(0.93);
      expect(stripModel.classNames?.[2 * 10 + 7]).toBe('cell 2: 7');
      tf.dispose([batch, logits, perSlot]);
    });
  });

  it('is differentiable: a cell feature depends only on the pixels of its own cell', async () => {
    await expectNoLeak(async () => {
      const one = tf.slice(images, [0, 0, 0, 0], [1, 28, 112, 1]);
      const gradient = tf.grad((x: tf.Tensor) =>
        tf.sum(
          tf.slice(
            digitStripFeatures(classifier, x as tf.Tensor4D, { layers: ['dense1'] }),
            [0, 64],
            [1, 64],
          ),
        ),
      )(one);
      const magnitude = tf.abs(gradient);
      const inside = tf.tidy(() => tf.sum(tf.slice(magnitude, [0, 0, 28, 0], [1, 28, 28, 1])));
      const total = tf.sum(magnitude);
      const [insideValue, totalValue] = [(await inside.data())[0], (await total.data())[0]];
      expect(insideValue).toBeGreaterThan(0);
      expect(insideValue).toBe(totalValue);
      tf.dispose([one, gradient, magnitude, inside, total]);
    });
  });

  it('rejects strips that are not whole cells, empty batches and unknown layers, leaving no tensors', async () => {
    await expectNoLeak(() => {
      const narrow = tf.zeros([1, 28, 30, 1]) as tf.Tensor4D;
      const empty = tf.zeros([0, 28, 112, 1]) as tf.Tensor4D;
      expect(() => digitStripFeatures(classifier, narrow)).toThrow(InvalidArgumentError);
      expect(() => digitStripFeatures(classifier, empty)).toThrow(/strips/);
      expect(() => digitStripFeatures(classifier, images, { layers: ['fc7'] })).toThrow(/options\.layers/);
      expect(() => digitStripFeatures(classifier, images, { layers: [] })).toThrow(/options\.layers/);
      expect(MNIST_LAYER_NAMES).toContain('dense1');
      expect(() => digitStripClassifier(classifier, 0)).toThrow(/cells/);
      expect(() => digitStripClassifier(classifier, 2).logits(images)).toThrow(InvalidArgumentError);
      tf.dispose([narrow, empty]);
    });
  });
});
