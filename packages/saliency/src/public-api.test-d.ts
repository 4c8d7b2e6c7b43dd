// Type tests for the public API as users import it (`@netlens/saliency`). Checked by `tsc --noEmit`
// (the package's `typecheck`) and by `vitest --typecheck.only --run`; nothing here runs.
import type { ImageClassifier } from '@netlens/backends';
import {
  type Baseline,
  type ChannelReduction,
  type IntegratedGradientsResult,
  type IntegrationMethod,
  integratedGradients,
  occlusion,
  runSaliencyMethod,
  type SaliencyMethod,
  type SaliencyMethodName,
  type SaliencyStep,
  type ScoreFunction,
  smoothGrad,
  type Target,
  type TargetOptions,
  vanillaGradient,
} from '@netlens/saliency';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, test } from 'vitest';

declare const model: ImageClassifier;
declare const images: tf.Tensor4D;
declare const image3d: tf.Tensor3D;

describe('@netlens/saliency public types', () => {
  test('Attribution maps are image batches: rank 4 in, rank 4 out, asynchronously', () => {
    expectTypeOf(vanillaGradient(model, images)).toEqualTypeOf<Promise<tf.Tensor4D>>();
    expectTypeOf(occlusion(model, images, { target: 3 })).toEqualTypeOf<Promise<tf.Tensor4D>>();
    expectTypeOf(smoothGrad(model, images, { method: vanillaGradient })).toEqualTypeOf<
      Promise<tf.Tensor4D>
    >();
    // @ts-expect-error a single [H, W, C] image is not a batch
    vanillaGradient(model, image3d);
    // @ts-expect-error the model comes first
    vanillaGradient(images, model);
  });

  test('Integrated Gradients returns attributions and a per-image completeness error', () => {
    expectTypeOf(integratedGradients(model, images)).resolves.toEqualTypeOf<IntegratedGradientsResult>();
    expectTypeOf<IntegratedGradientsResult['attributions']>().toEqualTypeOf<tf.Tensor4D>();
    expectTypeOf<IntegratedGradientsResult['convergenceDelta']>().toEqualTypeOf<Float32Array>();
    expectTypeOf<IntegrationMethod>().toEqualTypeOf<
      'riemann_left' | 'riemann_right' | 'riemann_middle' | 'riemann_trapezoid' | 'gausslegendre'
    >();
    expectTypeOf<'black'>().toExtend<Baseline>();
    expectTypeOf(images).toExtend<Baseline>();
    // @ts-expect-error Captum's name for the rule is not ours
    integratedGradients(model, images, { method: 'gauss_legendre' });
    // @ts-expect-error no such named baseline
    integratedGradients(model, images, { baseline: 'zeros' });
  });

  test('Targets: a class, one class per image, or predicted, and no other string', () => {
    expectTypeOf<Target>().toEqualTypeOf<number | readonly number[] | 'predicted'>();
    vanillaGradient(model, images, { target: 'predicted' });
    vanillaGradient(model, images, { target: [1, 2] });
    // @ts-expect-error only 'predicted' is a target name
    vanillaGradient(model, images, { target: 'top1' });
    // @ts-expect-error class indices are numbers
    vanillaGradient(model, images, { target: ['cat'] });
  });

  test('A score function maps a batch to one differentiable scalar per image', () => {
    expectTypeOf<ScoreFunction>().parameters.toEqualTypeOf<[ImageClassifier, tf.Tensor4D]>();
    expectTypeOf<ScoreFunction>().returns.toEqualTypeOf<tf.Tensor1D>();
    // @ts-expect-error a score function returns [N] scores, not a number
    vanillaGradient(model, images, { scoreFn: () => 1 });
  });

  test('Options unions', () => {
    expectTypeOf<ChannelReduction>().toEqualTypeOf<'max' | 'sum' | 'l2' | 'none'>();
    // @ts-expect-error 'mean' is not a channel reduction
    vanillaGradient(model, images, { channelReduction: 'mean' });
  });

  test('Every gradient method fits where a SaliencyMethod is expected (SmoothGrad, sanity checks)', () => {
    expectTypeOf(vanillaGradient).toExtend<SaliencyMethod>();
    expectTypeOf<'ig'>().toExtend<SaliencyMethodName>();
    // @ts-expect-error menu names are fixed
    runSaliencyMethod('integrated-gradients', model, images);
  });

  test('Chunked methods take onStep and signal; a method written against TargetOptions still fits', () => {
    const signal = new AbortController().signal;
    const steps: number[] = [];
    // Any return value fits (here push's count); a returned promise is awaited.
    const onStep = (progress: SaliencyStep) => steps.push(progress.step, progress.numSteps);
    integratedGradients(model, images, { onStep, signal, memoryBudget: 256 * 1024 * 1024 });
    smoothGrad(model, images, { onStep, signal });
    occlusion(model, images, { onStep, signal });
    runSaliencyMethod('ig', model, images, { onStep, signal });
    const older = (_model: ImageClassifier, x: tf.Tensor4D, _options: TargetOptions) => Promise.resolve(x);
    expectTypeOf(older).toExtend<SaliencyMethod>();
    // @ts-expect-error onStep receives a progress object, not a number
    occlusion(model, images, { onStep: (step: string) => step });
  });
});
