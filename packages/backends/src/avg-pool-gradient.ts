import * as tf from '@tensorflow/tfjs-core';
import {
  AvgPool,
  type AvgPoolAttrs,
  AvgPoolGrad,
  type GradConfig,
  type NamedAttrMap,
} from '@tensorflow/tfjs-core';

/**
 * How many input elements each pooling window covers, from the geometry the kernels use
 * (`computePool2DInfo`): at least 1, since every window overlaps the input.
 */
function windowCounts(
  shape: [number, number, number, number],
  filterSize: AvgPoolAttrs['filterSize'],
  strides: AvgPoolAttrs['strides'],
  pad: AvgPoolAttrs['pad'],
  dimRoundingMode: AvgPoolAttrs['dimRoundingMode'],
) {
  const info = tf.backend_util.computePool2DInfo(shape, filterSize, strides, 1, pad, dimRoundingMode);
  const { outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, inHeight, inWidth } =
    info;
  const covered = (start: number, size: number, limit: number) =>
    Math.max(Math.min(start + size, limit) - Math.max(start, 0), 1);
  const values = new Float32Array(outHeight * outWidth);
  for (let y = 0; y < outHeight; y++) {
    const rows = covered(y * strideHeight - info.padInfo.top, filterHeight, inHeight);
    for (let x = 0; x < outWidth; x++) {
      values[y * outWidth + x] = rows * covered(x * strideWidth - info.padInfo.left, filterWidth, inWidth);
    }
  }
  return { values, outHeight, outWidth, filterHeight, filterWidth };
}

/**
 * The gradient of `AvgPool` that matches its forward pass when windows overhang the input.
 *
 * tfjs averages each window over the input elements it covers (TensorFlow's `SAME` semantics, what
 * Keras `AveragePooling2D(padding='same')` and InceptionV3's pooling branches compute), but tfjs
 * 4.22's `AvgPoolGrad` divides every window's `dy` by the full window size, so the gradient is too
 * small next to the border (e.g. 0.42 instead of 0.66 one pixel in, on cpu and wasm alike). Scaling
 * `dy` by `windowSize / count` (`count` = input elements under each window, from the kernels' own
 * geometry) before the stock
 * `AvgPoolGrad` gives the exact gradient; `valid` pooling has `count = windowSize` and is unchanged.
 */
export const avgPoolGradConfig: GradConfig = {
  kernelName: AvgPool,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved as [tf.Tensor4D];
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as AvgPoolAttrs;
    return {
      x: () => {
        let scaled = dy as tf.Tensor4D;
        if (pad !== 'valid') {
          const count = windowCounts(x.shape, filterSize, strides, pad, dimRoundingMode);
          const windowSize = count.filterHeight * count.filterWidth;
          scaled = tf.tidy(() => {
            const counts = tf.tensor4d(count.values, [1, count.outHeight, count.outWidth, 1]);
            return tf.div(tf.mul(dy as tf.Tensor4D, windowSize), counts);
          });
        }
        return tf.engine().runKernel(AvgPoolGrad, { dy: scaled, input: x }, {
          filterSize,
          strides,
          pad,
          dimRoundingMode,
        } as unknown as NamedAttrMap) as tf.Tensor;
      },
    };
  },
};
