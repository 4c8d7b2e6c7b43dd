// Type tests for the public API as users import it (`@netlens/captioning`). Checked by `tsc --noEmit`
// (the package's `typecheck`) and by `vitest --typecheck.only --run`; nothing here runs.
import {
  type BleuResult,
  CaptioningModel,
  type CaptioningParamName,
  corpusBleu,
  lstmStepForward,
  MAX_CAPTION_LENGTH,
  mnistCaptioner,
  type SampleOptions,
  Vocabulary,
} from '@netlens/captioning';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, test } from 'vitest';

declare const features: tf.Tensor2D;
declare const captions: tf.Tensor2D;

describe('@netlens/captioning public types', () => {
  test("parameters keep CS231n's names", () => {
    expectTypeOf<'W_embed'>().toMatchTypeOf<CaptioningParamName>();
    expectTypeOf<'W_vocab'>().toMatchTypeOf<CaptioningParamName>();
    expectTypeOf<'Wembed'>().not.toMatchTypeOf<CaptioningParamName>();
    const model = new CaptioningModel({
      cellType: 'lstm',
      vocabulary: new Vocabulary(['a', 'digit']),
      inputDim: 40,
    });
    // @ts-expect-error the cell types are 'rnn', 'lstm' and 'gru'
    new CaptioningModel({ cellType: 'transformer', vocabulary: new Vocabulary([]), inputDim: 40 });
    expectTypeOf(model.sample(features)).toEqualTypeOf<Promise<number[][]>>();
    expectTypeOf(model.sample(features, 20, { signal: new AbortController().signal })).toEqualTypeOf<
      Promise<number[][]>
    >();
    expectTypeOf<SampleOptions['signal']>().toEqualTypeOf<AbortSignal | undefined>();
    expectTypeOf(MAX_CAPTION_LENGTH).toBeNumber();
    expectTypeOf(model.scoreWords(features, captions)).toEqualTypeOf<tf.Tensor2D>();
    expectTypeOf(mnistCaptioner()).toEqualTypeOf<CaptioningModel>();
  });

  test('layer functions are CS231n-shaped', () => {
    expectTypeOf(lstmStepForward).parameters.toMatchTypeOf<
      [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor1D]
    >();
  });

  test('BLEU scores tokenised corpora', () => {
    expectTypeOf(corpusBleu([[['a', 'digit']]], [['a', 'digit']])).toEqualTypeOf<BleuResult>();
  });
});
