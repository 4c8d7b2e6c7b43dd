import * as tf from '@tensorflow/tfjs-core';
import { type GradConfig, MirrorPad, type MirrorPadAttrs } from '@tensorflow/tfjs-core';

/**
 * The gradient along one axis of a mirror pad: the middle of `dy`, plus each padded border flipped
 * back onto the input elements it copies (reflect: from the second element in; symmetric: from the
 * edge itself).
 */
function unpadAxis(
  dy: tf.Tensor,
  axis: number,
  size: number,
  [before, after]: [number, number],
  offset: number,
): tf.Tensor {
  const rank = dy.rank;
  const sliceAxis = (start: number, length: number) => {
    const begin = new Array<number>(rank).fill(0);
    const sizes = new Array<number>(rank).fill(-1);
    begin[axis] = start;
    sizes[axis] = length;
    return tf.slice(dy, begin, sizes);
  };
  const padAxis = (t: tf.Tensor, zerosBefore: number, zerosAfter: number) => {
    const paddings = new Array<[number, number]>(rank).fill([0, 0]);
    paddings[axis] = [zerosBefore, zerosAfter];
    return tf.pad(t, paddings);
  };
  let gradient = sliceAxis(before, size);
  if (before > 0) {
    const flipped = tf.reverse(sliceAxis(0, before), axis);
    gradient = tf.add(gradient, padAxis(flipped, offset, size - offset - before));
  }
  if (after > 0) {
    const flipped = tf.reverse(sliceAxis(before + size, after), axis);
    const start = size - offset - after;
    gradient = tf.add(gradient, padAxis(flipped, start, offset));
  }
  return gradient;
}

/**
 * The gradient of `MirrorPad`. Every padded element copies an input element, so that input's
 * gradient is its own `dy` plus the `dy` of each copy. tfjs 4.22's gradient only slices the middle
 * of `dy` out, on every backend, dropping the copies: `reflect` padding of `[a, b, c]` by one on each
 * side gives `[b, a, b, c, b]`, whose gradient at `b` is `dy[0] + dy[2] + dy[4]`, where tfjs returns
 * `dy[2]` (style-transfer and CycleGAN-style generators reflect-pad before their convolutions).
 * Each axis is folded back in turn.
 */
export const mirrorPadGradConfig: GradConfig = {
  kernelName: MirrorPad,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor];
    const { paddings, mode } = attrs as unknown as MirrorPadAttrs;
    const offset = mode === 'reflect' ? 1 : 0;
    return {
      x: () =>
        tf.tidy(() => {
          let gradient = dy as tf.Tensor;
          for (let axis = 0; axis < x.rank; axis++) {
            const padding = paddings[axis] as [number, number];
            if (padding[0] === 0 && padding[1] === 0) continue;
            gradient = unpadAxis(gradient, axis, x.shape[axis] as number, padding, offset);
          }
          return gradient;
        }),
    };
  },
};
