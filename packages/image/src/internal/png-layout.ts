import { InvalidArgumentError } from '@netlens/backends';
import type * as tf from '@tensorflow/tfjs-core';
import { assertTensorRank, describeShape } from './tensor-checks';

/** `[height, width, channels]` of an image that can be written as a PNG. */
export type PngLayout = [height: number, width: number, channels: number];

/** Validates a `[H, W, C]` or `[1, H, W, C]` tensor with C in 1–4 and returns its layout. */
export function pngLayout(image: unknown, argument: string): PngLayout {
  const expected = 'a [H, W, C] or [1, H, W, C] tensor with C = 1, 2, 3 or 4 (values in [0, 1])';
  assertTensorRank(image, argument, [3, 4], expected);
  const shape = (image as tf.Tensor).shape;
  if (shape.length === 4 && shape[0] !== 1) {
    throw new InvalidArgumentError(
      argument,
      `${expected}; a PNG holds one image`,
      `a batch of ${shape[0]} (${describeShape(shape)})`,
    );
  }
  const [height, width, channels] = shape.slice(-3) as [number, number, number];
  if (channels < 1 || channels > 4 || height < 1 || width < 1) {
    throw new InvalidArgumentError(argument, expected, describeShape(shape));
  }
  return [height, width, channels];
}

/** Validates `options.bitDepth` (8 or 16, default 8). */
export function pngBitDepth(value: unknown): 8 | 16 {
  if (value === undefined) return 8;
  if (value !== 8 && value !== 16)
    throw new InvalidArgumentError('options.bitDepth', '8 or 16', String(value));
  return value;
}
