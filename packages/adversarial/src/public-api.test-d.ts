// Type tests for the public API as users import it (`@netlens/adversarial`). Checked by `tsc --noEmit`
// (the package's `typecheck`) and by `vitest --typecheck.only --run`; nothing here runs.
import {
  type AttackEvaluation,
  type AttackFunction,
  type AttackTarget,
  bim,
  carliniWagnerL2,
  deepFool,
  differencePicture,
  evaluateAttack,
  type FoolingImageResult,
  fgsm,
  makeFoolingImage,
  mifgsm,
  pgd,
} from '@netlens/adversarial';
import type { ImageClassifier } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { describe, expectTypeOf, test } from 'vitest';

declare const model: ImageClassifier;
declare const images: tf.Tensor4D;
declare const image3d: tf.Tensor3D;

describe('@netlens/adversarial public types', () => {
  test('every attack maps an image batch to an image batch', () => {
    expectTypeOf(fgsm(model, images, { epsilon: 0.1 })).toEqualTypeOf<Promise<tf.Tensor4D>>();
    expectTypeOf(bim(model, images)).toEqualTypeOf<Promise<tf.Tensor4D>>();
    expectTypeOf(pgd(model, images, { norm: 'l2', epsilon: 2 })).toEqualTypeOf<Promise<tf.Tensor4D>>();
    expectTypeOf(mifgsm(model, images)).toEqualTypeOf<Promise<tf.Tensor4D>>();
    expectTypeOf(deepFool(model, images)).toEqualTypeOf<Promise<tf.Tensor4D>>();
    expectTypeOf(carliniWagnerL2(model, images)).toEqualTypeOf<Promise<tf.Tensor4D>>();
    // @ts-expect-error a single [H, W, C] image is not a batch
    fgsm(model, image3d, { epsilon: 0.1 });
    // @ts-expect-error PGD's norms are 'linf' and 'l2'
    pgd(model, images, { norm: 'l1' });
  });

  test('targets are a class, one per image, or a named strategy', () => {
    expectTypeOf<3>().toMatchTypeOf<AttackTarget>();
    expectTypeOf<readonly number[]>().toMatchTypeOf<AttackTarget>();
    expectTypeOf<'leastLikely' | 'randomOther' | 'untargeted'>().toMatchTypeOf<AttackTarget>();
    expectTypeOf<'mostLikely'>().not.toMatchTypeOf<AttackTarget>();
    // @ts-expect-error the fooling image needs a target, and never 'untargeted'
    makeFoolingImage(model, images, { target: 'untargeted' });
    expectTypeOf(
      makeFoolingImage(model, images, { target: 'randomOther' }),
    ).resolves.toEqualTypeOf<FoolingImageResult>();
  });

  test('the attacks fit evaluateAttack, whose result is per ε', () => {
    expectTypeOf(fgsm).toMatchTypeOf<AttackFunction>();
    expectTypeOf(pgd).toMatchTypeOf<AttackFunction>();
    expectTypeOf(
      evaluateAttack(model, fgsm, images, [1, 2], { epsilons: [0, 0.1] }),
    ).resolves.toEqualTypeOf<AttackEvaluation>();
    expectTypeOf(differencePicture(images, images)).toEqualTypeOf<Promise<tf.Tensor4D>>();
  });
});
