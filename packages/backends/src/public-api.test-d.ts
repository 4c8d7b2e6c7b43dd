// Type tests for the public API as users import it (`@netlens/backends`). Checked by `tsc --noEmit`
// (the package's `typecheck`) and by `vitest --typecheck.only --run`; nothing here runs.
import {
  type BackendName,
  fromFunction,
  type ImageClassifier,
  InvalidArgumentError,
  type NetlensError,
  type NetlensErrorCode,
  type Preprocess,
  type SelectedBackend,
  selectBackend,
} from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, test } from 'vitest';

declare const images: tf.Tensor4D;

describe('@netlens/backends public types', () => {
  test('fromFunction: a batch-to-scores function becomes the versioned contract', () => {
    const classifier = fromFunction((x) => tf.matMul(tf.reshape(x, [-1, 12]), tf.ones([12, 3])), {
      inputShape: [2, 2, 3],
      numClasses: 3,
      preprocess: 'imagenet',
    });
    expectTypeOf(classifier).toEqualTypeOf<ImageClassifier>();
    expectTypeOf(classifier.specificationVersion).toEqualTypeOf<'v1'>();
    expectTypeOf(classifier.logits(images)).toEqualTypeOf<tf.Tensor2D>();
    expectTypeOf<ImageClassifier['inputShape']>().toEqualTypeOf<
      readonly [number | null, number | null, number]
    >();
    expectTypeOf<Parameters<ImageClassifier['logits']>>().toEqualTypeOf<[images: tf.Tensor4D]>();
    const toScores = (x: tf.Tensor4D) => tf.reshape(x, [-1, 12]) as tf.Tensor2D;
    // @ts-expect-error the logits function must return [N, classes] scores, not a 4-D tensor
    fromFunction((x: tf.Tensor4D) => x, { inputShape: [2, 2, 3], numClasses: 3 });
    // @ts-expect-error inputShape is [height, width, channels]
    fromFunction(toScores, { inputShape: [2, 2], numClasses: 3 });
    // @ts-expect-error numClasses is required
    fromFunction(toScores, { inputShape: [2, 2, 3] });
    // @ts-expect-error unknown preprocessing preset
    fromFunction(toScores, { inputShape: [2, 2, 3], numClasses: 3, preprocess: 'torch' });
    expectTypeOf<'inception'>().toExtend<Preprocess>();
    expectTypeOf<(images: tf.Tensor4D) => tf.Tensor4D>().toExtend<Preprocess>();
  });

  test('selectBackend: only known names, one or an ordered list, or auto', () => {
    expectTypeOf<BackendName>().toEqualTypeOf<
      'webgpu' | 'webgl' | 'wasm' | 'cpu' | 'node-webgpu' | 'node' | 'node-gpu'
    >();
    expectTypeOf(selectBackend('auto')).toEqualTypeOf<Promise<SelectedBackend>>();
    selectBackend(['webgpu', 'wasm', 'cpu']);
    selectBackend();
    // @ts-expect-error 'tensorflow' is not a backend name
    selectBackend('tensorflow');
    // @ts-expect-error 'gpu' is not a backend name, even in a list
    selectBackend(['gpu', 'cpu']);
    // @ts-expect-error 'auto' is a whole request, not a list entry
    selectBackend(['auto']);
    expectTypeOf<SelectedBackend['name']>().toEqualTypeOf<BackendName>();
  });

  test('Errors: typed codes, and the argument at fault', () => {
    expectTypeOf(new InvalidArgumentError('options.epsilon', 'a number', 'NaN')).toExtend<NetlensError>();
    expectTypeOf<InvalidArgumentError['argument']>().toEqualTypeOf<string>();
    expectTypeOf<NetlensError['code']>().toEqualTypeOf<NetlensErrorCode>();
    expectTypeOf<'INVALID_ARGUMENT'>().toExtend<NetlensErrorCode>();
  });
});
