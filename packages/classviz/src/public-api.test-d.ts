// Type tests for the public API as users import it (`@netlens/classviz`). Checked by `tsc --noEmit`
// (the package's `typecheck`) and by `vitest --typecheck.only --run`; nothing here runs.
import type { ImageClassifier } from '@netlens/backends';
import {
  type ClassVisualizationResult,
  channel,
  classLogit,
  createClassVisualization,
  type Objective,
  type StepInfo,
  sumObjectives,
  visualizeFeature,
} from '@netlens/classviz';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, test } from 'vitest';

declare const model: ImageClassifier;

describe('@netlens/classviz public types', () => {
  test('class visualization takes one class or several and returns image batches', () => {
    expectTypeOf(createClassVisualization(model, 3)).resolves.toEqualTypeOf<ClassVisualizationResult>();
    expectTypeOf(createClassVisualization(model, [3, 8])).resolves.toEqualTypeOf<ClassVisualizationResult>();
    expectTypeOf<ClassVisualizationResult['image']>().toEqualTypeOf<tf.Tensor4D>();
    // @ts-expect-error a class is a number, not a name
    createClassVisualization(model, 'tabby');
  });

  test('progress callbacks see the step and, sometimes, the image', () => {
    createClassVisualization(model, 1, {
      onStep: (info) => {
        expectTypeOf(info).toEqualTypeOf<StepInfo>();
        expectTypeOf(info.image).toEqualTypeOf<tf.Tensor4D | undefined>();
      },
    });
  });

  test('objectives compose', () => {
    expectTypeOf(classLogit(3)).toMatchTypeOf<Objective>();
    expectTypeOf(sumObjectives(classLogit(3), channel('conv2', 5))).toMatchTypeOf<Objective>();
    expectTypeOf(visualizeFeature(model, classLogit(3))).toMatchTypeOf<Promise<unknown>>();
  });
});
