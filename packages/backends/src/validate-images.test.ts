import { expect, it } from 'vitest';
import { InvalidArgumentError } from './errors';
import { createTinyConvNet, describeOnBackends, expectNoLeak, tinyImages } from './testing/index';
import { assertImageBatchShape, assertValidImages } from './validate-images';

describeOnBackends('image validation of disposed tensors', () => {
  it('a disposed tensor is an InvalidArgumentError naming the argument, not a TypeError from a kernel', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(2);
    images.dispose();
    await expectNoLeak(async () => {
      const error = await assertValidImages(images, tiny.classifier, 'options.initialImage').then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('options.initialImage');
      expect((error as InvalidArgumentError).received).toBe('a disposed tensor');
      expect(() => assertImageBatchShape(images, [8, 8, 3])).toThrow(
        'Invalid images: expected a float32 tensor [N, 8, 8, 3], received a disposed tensor.',
      );
      // Every adapter checks its input on each forward pass, so a model call says the same.
      expect(() => tiny.classifier.logits(images)).toThrow(InvalidArgumentError);
    });
    tiny.dispose();
  });
});
