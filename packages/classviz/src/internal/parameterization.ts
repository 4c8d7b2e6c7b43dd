import * as tf from '@tensorflow/tfjs-core';
import type { RandomSource } from './random';

/** How the optimised variables become images. */
export interface ParameterizationSpec {
  /** `'pixel'`: one variable per pixel; `'fourier'`: a scaled spectrum (Lucid `fft=True`). */
  kind: 'pixel' | 'fourier';
  /** Mix RGB through Lucid's colour-correlation square root (3-channel images only). */
  decorrelate: boolean;
  /** Fourier spectrum scale `1 / f^decayPower` (Lucid `decay_power`). */
  decayPower: number;
  /** Standard deviation of the initial variables (Lucid `sd`). */
  standardDeviation: number;
}

/** Variables and the differentiable map from them to images in `(0, 1)`. */
export interface Parameterization {
  /** The initial variables; the first axis is the image. The caller disposes it. */
  initial: tf.Tensor;
  /** `[N, H, W, C]` images in `(0, 1)` from the variables. The caller tidies. */
  toImages(variables: tf.Tensor): tf.Tensor4D;
  /** Frees the constant bases. */
  dispose(): void;
}

// Lucid's `color_correlation_svd_sqrt` (ImageNet colour covariance), columns scaled by their
// largest norm as in `_linear_decorelate_color`.
const COLOR_CORRELATION_SVD_SQRT = [
  [0.26, 0.09, 0.02],
  [0.27, 0.0, -0.05],
  [0.27, -0.09, 0.03],
];

function decorrelationMatrix(): Float32Array {
  const norms = [0, 1, 2].map((column) =>
    Math.hypot(...COLOR_CORRELATION_SVD_SQRT.map((row) => row[column] as number)),
  );
  const maxNorm = Math.max(...norms);
  // matmul(flat, normalised.T): entry [i, j] of the right-hand matrix is normalised[j][i].
  const values = new Float32Array(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      values[i * 3 + j] = ((COLOR_CORRELATION_SVD_SQRT[j] as number[])[i] as number) / maxNorm;
  return values;
}

/** `numpy.fft.fftfreq(size)`: frequencies in cycles per sample. */
function fftFrequencies(size: number): number[] {
  return Array.from({ length: size }, (_, k) => (k < Math.ceil(size / 2) ? k : k - size) / size);
}

/**
 * The spectrum weights of Lucid's `fft_image`: `sqrt(H·W) / max(f, 1/max(H, W))^decayPower`, times
 * the `1/(H·W)` of the inverse real FFT, the hermitian doubling of the half spectrum and Lucid's
 * final `/ 4`, as one `[H, Wf]` array (`Wf = floor(W/2) + 1`).
 */
export function fourierScale(height: number, width: number, decayPower: number): Float32Array {
  const halfWidth = Math.floor(width / 2) + 1;
  const fy = fftFrequencies(height);
  const scale = new Float32Array(height * halfWidth);
  for (let ky = 0; ky < height; ky++) {
    for (let kx = 0; kx < halfWidth; kx++) {
      const frequency = Math.hypot(fy[ky] as number, kx / width);
      const spectrum =
        Math.sqrt(height * width) / Math.max(frequency, 1 / Math.max(height, width)) ** decayPower;
      const hermitian = kx === 0 || (width % 2 === 0 && kx === width / 2) ? 1 : 2;
      scale[ky * halfWidth + kx] = (spectrum * hermitian) / (height * width) / 4;
    }
  }
  return scale;
}

function basis(size: number, frequencies: number, fn: (angle: number) => number): Float32Array {
  const values = new Float32Array(size * frequencies);
  for (let position = 0; position < size; position++)
    for (let k = 0; k < frequencies; k++)
      values[position * frequencies + k] = fn((2 * Math.PI * position * k) / size);
  return values;
}

/**
 * Builds a parameterisation of `[N, H, W, C]` images. Fourier: variables `[N, 2, C, H, Wf]` (real
 * and imaginary parts of a half spectrum), turned into pixels by an inverse real DFT written as
 * matrix products, so it runs and differentiates on every backend (tfjs has no `irfft2d`).
 */
export function createParameterization(
  spec: ParameterizationSpec,
  shape: readonly [number, number, number, number],
  random: RandomSource,
): Parameterization {
  const [batch, height, width, channels] = shape;
  const decorrelate = spec.decorrelate && channels === 3;
  const color = decorrelate ? tf.tensor2d(decorrelationMatrix(), [3, 3]) : undefined;
  const toValid = (linear: tf.Tensor4D): tf.Tensor4D => {
    const mixed = color
      ? (tf.reshape(tf.matMul(tf.reshape(linear, [-1, 3]), color), linear.shape) as tf.Tensor4D)
      : linear;
    return tf.sigmoid(mixed);
  };
  if (spec.kind === 'pixel') {
    return {
      initial: tf.tensor4d(random.normal(batch * height * width * channels, spec.standardDeviation), [
        ...shape,
      ]),
      toImages: (variables) => tf.tidy(() => toValid(variables as tf.Tensor4D)),
      dispose: () => color?.dispose(),
    };
  }
  const halfWidth = Math.floor(width / 2) + 1;
  const constants = {
    scale: tf.tensor2d(fourierScale(height, width, spec.decayPower), [height, halfWidth]),
    cosY: tf.tensor2d(basis(height, height, Math.cos), [height, height]),
    sinY: tf.tensor2d(basis(height, height, Math.sin), [height, height]),
    // [Wf, W]: transposed column bases, cos(2π·x·kx/W) at [kx, x].
    cosX: tf.tidy(() => tf.transpose(tf.tensor2d(basis(width, halfWidth, Math.cos), [width, halfWidth]))),
    sinX: tf.tidy(() => tf.transpose(tf.tensor2d(basis(width, halfWidth, Math.sin), [width, halfWidth]))),
  };
  const planes = batch * channels;
  return {
    initial: tf.tensor(random.normal(batch * 2 * channels * height * halfWidth, spec.standardDeviation), [
      batch,
      2,
      channels,
      height,
      halfWidth,
    ]),
    toImages: (variables) =>
      tf.tidy(() => {
        // Re(X·e^{i(α+β)}) with X = A + iB, α along rows and β along columns:
        // Cy (A·Cx − B·Sx) − Sy (A·Sx + B·Cx).
        const [real, imaginary] = tf.split(tf.mul(variables, constants.scale), 2, 1) as [
          tf.Tensor,
          tf.Tensor,
        ];
        const a = tf.reshape(real, [planes * height, halfWidth]);
        const b = tf.reshape(imaginary, [planes * height, halfWidth]);
        const cosPart = tf.sub(tf.matMul(a, constants.cosX), tf.matMul(b, constants.sinX));
        const sinPart = tf.add(tf.matMul(a, constants.sinX), tf.matMul(b, constants.cosX));
        // Rows first: [planes, H, W] → [H, planes·W] for the left products.
        const rows = (t: tf.Tensor) =>
          tf.reshape(tf.transpose(tf.reshape(t, [planes, height, width]), [1, 0, 2]), [
            height,
            planes * width,
          ]);
        const pixels = tf.sub(
          tf.matMul(constants.cosY, rows(cosPart)),
          tf.matMul(constants.sinY, rows(sinPart)),
        );
        const images = tf.transpose(
          tf.reshape(pixels, [height, batch, channels, width]),
          [1, 0, 3, 2],
        ) as tf.Tensor4D;
        return toValid(images);
      }),
    dispose: () => tf.dispose([...Object.values(constants), ...(color ? [color] : [])]),
  };
}
