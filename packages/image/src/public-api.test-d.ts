// Type tests for the public API as users import it (`@netlens/image`). Checked by `tsc --noEmit`
// (the package's `typecheck`) and by `vitest --typecheck.only --run`; nothing here runs.
import {
  applyColormap,
  type ColormapName,
  centerCrop,
  normalizeAttribution,
  overlay,
  resize,
  resizeAndCenterCrop,
} from '@netlens/image';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, test } from 'vitest';

declare const batch: tf.Tensor4D;
declare const single: tf.Tensor3D;
declare const matrix: tf.Tensor2D;

describe('@netlens/image public types', () => {
  test('Geometry keeps the rank it was given: a batch stays a batch, one image stays one image', () => {
    expectTypeOf(resizeAndCenterCrop(batch, [224, 224])).toEqualTypeOf<tf.Tensor4D>();
    expectTypeOf(resizeAndCenterCrop(single, [224, 224])).toEqualTypeOf<tf.Tensor3D>();
    expectTypeOf(resize(single, [8, 8])).toEqualTypeOf<tf.Tensor3D>();
    expectTypeOf(centerCrop(batch, [8, 8])).toEqualTypeOf<tf.Tensor4D>();
    // @ts-expect-error a 2-D tensor is not an image
    resizeAndCenterCrop(matrix, [224, 224]);
    // @ts-expect-error size is [height, width]
    resizeAndCenterCrop(batch, [224]);
  });

  test('Pictures come out as [N, H, W, C] batches', () => {
    expectTypeOf(applyColormap(single, 'viridis')).toEqualTypeOf<tf.Tensor4D>();
    expectTypeOf(normalizeAttribution(batch)).toEqualTypeOf<tf.Tensor4D>();
    expectTypeOf(overlay(batch, single)).toEqualTypeOf<tf.Tensor4D>();
    expectTypeOf<'viridis'>().toExtend<ColormapName>();
    // @ts-expect-error not a colormap name
    applyColormap(single, 'rainbow-ish');
  });
});
