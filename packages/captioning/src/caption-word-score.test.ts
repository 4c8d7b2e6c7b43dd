import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SMALL, smallModel } from './__fixtures__/small-model';
import { captionWordScore } from './caption-word-score';
import type { CaptioningModel } from './captioning-model';

// Images of [N, 1, 1, D] whose pixels are the features: the score of a word is then a function of
// the pixels that scoreWords computes directly.
const features = (images: tf.Tensor4D) => tf.reshape(images, [images.shape[0], SMALL.d]) as tf.Tensor2D;

describeOnBackends('captionWordScore', () => {
  let model: CaptioningModel;
  let images: tf.Tensor4D;
  beforeAll(() => {
    model = smallModel('lstm');
    images = tf.tensor4d(
      Array.from({ length: 2 * SMALL.d }, (_, i) => Math.sin(i + 1)),
      [2, 1, 1, SMALL.d],
    );
  });
  afterAll(() => {
    model.dispose();
    images.dispose();
  });

  it("is scoreWords' column for the word, on every image, and has a gradient in the pixels", async () => {
    const caption = [4, 6, 5];
    await expectNoLeak(async () => {
      for (const wordIndex of [0, 2]) {
        const score = captionWordScore(model, features, caption, wordIndex);
        const [actual, expected, gradient] = tf.tidy(() => {
          const ids = [model.vocabulary.startId, ...caption, model.vocabulary.endId];
          const all = model.scoreWords(features(images), tf.tensor2d([ids, ids], [2, ids.length], 'int32'));
          return [
            score(undefined, images),
            tf.squeeze(tf.slice(all, [0, wordIndex], [-1, 1]), [1]),
            tf.grad((x) => tf.sum(score(undefined, x as tf.Tensor4D)))(images),
          ];
        }) as [tf.Tensor, tf.Tensor, tf.Tensor];
        expect(actual.shape).toEqual([2]);
        await expectTensorsClose(actual, expected);
        const values = await gradient.data();
        expect(values.every(Number.isFinite) && values.some((v) => v !== 0)).toBe(true);
        tf.dispose([actual, expected, gradient]);
      }
    });
  });

  it('names the argument for an empty caption, unknown ids and a word index out of range', async () => {
    await expectNoLeak(() => {
      const size = model.vocabulary.size;
      expect(() => captionWordScore(model, features, [], 0)).toThrow(InvalidArgumentError);
      expect(() => captionWordScore(model, features, [4, size], 0)).toThrow(/caption.*\[0, \d+\).*id \d+/);
      expect(() => captionWordScore(model, features, [4, 5], 2)).toThrow(/wordIndex.*\[0, 2\)/);
    });
  });
});
