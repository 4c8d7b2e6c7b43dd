import { assertClassifier, type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import { assertInteger } from './validate-options';

/**
 * The `[height, width, channels]` to optimise: the model's input shape, with `imageSize` filling
 * (or, where the model accepts any size, replacing) the spatial size. CS231n works at 224².
 */
export function resolveImageShape(
  model: ImageClassifier,
  imageSize: readonly [number, number] | undefined,
  argument = 'options.imageSize',
): [number, number, number] {
  assertClassifier(model);
  const [modelHeight, modelWidth, channels] = model.inputShape;
  if (imageSize !== undefined) {
    if (!Array.isArray(imageSize) || imageSize.length !== 2) {
      throw new InvalidArgumentError(argument, '[height, width]', JSON.stringify(imageSize));
    }
    const [height, width] = imageSize.map((value, index) => assertInteger(value, `${argument}[${index}]`, 1));
    if ((modelHeight !== null && height !== modelHeight) || (modelWidth !== null && width !== modelWidth)) {
      throw new InvalidArgumentError(
        argument,
        `the model's input size [${modelHeight ?? 'any'}, ${modelWidth ?? 'any'}]`,
        `[${height}, ${width}]`,
      );
    }
    return [height as number, width as number, channels];
  }
  return [modelHeight ?? 224, modelWidth ?? 224, channels];
}

/** Class indices, one per image: a single class gives a batch of one. */
export function resolveClasses(
  model: ImageClassifier,
  targetClass: unknown,
  argument = 'targetClass',
): number[] {
  assertClassifier(model);
  const list =
    typeof targetClass === 'number' ? [targetClass] : Array.isArray(targetClass) ? [...targetClass] : [];
  if (list.length === 0) {
    throw new InvalidArgumentError(
      argument,
      `a class index in [0, ${model.numClasses - 1}] or a non-empty array of them`,
      Array.isArray(targetClass) ? 'an empty array' : String(targetClass),
    );
  }
  for (const index of list) {
    if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index >= model.numClasses) {
      throw new InvalidArgumentError(
        argument,
        `class indices in [0, ${model.numClasses - 1}]`,
        String(index),
      );
    }
  }
  return list as number[];
}
