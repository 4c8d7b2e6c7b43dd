import {
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { checkDirectionalGradient } from '../__fixtures__/directional-gradient';
import { createParameterization, fourierScale } from './parameterization';
import { randomSource } from './random';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** The image of a half spectrum by the inverse-DFT sum itself, in float64. */
function directFourier(spectrum: Float32Array, [n, h, w, c]: number[], decayPower: number): Float32Array {
  const halfWidth = Math.floor((w as number) / 2) + 1;
  const scale = fourierScale(h as number, w as number, decayPower);
  const out = new Float32Array((n as number) * (h as number) * (w as number) * (c as number));
  const at = (b: number, part: number, ch: number, ky: number, kx: number) =>
    spectrum[(((b * 2 + part) * (c as number) + ch) * (h as number) + ky) * halfWidth + kx] as number;
  for (let b = 0; b < (n as number); b++)
    for (let ch = 0; ch < (c as number); ch++)
      for (let y = 0; y < (h as number); y++)
        for (let x = 0; x < (w as number); x++) {
          let total = 0;
          for (let ky = 0; ky < (h as number); ky++)
            for (let kx = 0; kx < halfWidth; kx++) {
              const angle = 2 * Math.PI * ((ky * y) / (h as number) + (kx * x) / (w as number));
              const s = scale[ky * halfWidth + kx] as number;
              total += s * (at(b, 0, ch, ky, kx) * Math.cos(angle) - at(b, 1, ch, ky, kx) * Math.sin(angle));
            }
          out[((b * (h as number) + y) * (w as number) + x) * (c as number) + ch] = sigmoid(total);
        }
  return out;
}

it('scales the spectrum like Lucid: 1/max(f, 1/max(H, W)) · sqrt(HW), hermitian doubling, /(4HW)', () => {
  const scale = fourierScale(4, 6, 1);
  // DC: f = 0 → 1/(1/6) = 6; × sqrt(24) / (24 · 4), counted once.
  expect(scale[0]).toBeCloseTo((6 * Math.sqrt(24)) / 96, 6);
  // (ky = 1, kx = 1): f = hypot(1/4, 1/6); doubled as a conjugate pair.
  expect(scale[4 + 1]).toBeCloseTo(((1 / Math.hypot(0.25, 1 / 6)) * Math.sqrt(24) * 2) / 96, 6);
  // Nyquist column kx = 3 of an even width is counted once.
  expect(scale[3]).toBeCloseTo(((1 / 0.5) * Math.sqrt(24)) / 96, 6);
});

describeOnBackends('parameterisations', () => {
  it('fourier images equal the direct inverse-DFT sum (odd and even sizes, one and three channels)', async () => {
    await expectNoLeak(async () => {
      for (const shape of [
        [2, 5, 4, 1],
        [1, 4, 5, 3],
      ] as const) {
        const parameterization = createParameterization(
          { kind: 'fourier', decorrelate: false, decayPower: 1, standardDeviation: 0.5 },
          shape,
          randomSource(3),
        );
        const spectrum = Float32Array.from(await parameterization.initial.data());
        const images = parameterization.toImages(parameterization.initial);
        await expectTensorsClose(images, directFourier(spectrum, [...shape], 1));
        tf.dispose([images, parameterization.initial]);
        parameterization.dispose();
      }
    });
  });

  it('decorrelated pixels are sigmoid(x · Lucid colour matrix ᵀ / max column norm)', async () => {
    await expectNoLeak(async () => {
      const parameterization = createParameterization(
        { kind: 'pixel', decorrelate: true, decayPower: 1, standardDeviation: 1 },
        [1, 1, 2, 3],
        randomSource(5),
      );
      const x = Array.from(await parameterization.initial.data());
      const m = [
        [0.26, 0.09, 0.02],
        [0.27, 0.0, -0.05],
        [0.27, -0.09, 0.03],
      ];
      const maxNorm = Math.max(...[0, 1, 2].map((j) => Math.hypot(...m.map((row) => row[j] as number))));
      const expected = [0, 1].flatMap((p) =>
        [0, 1, 2].map((j) =>
          sigmoid(
            [0, 1, 2].reduce(
              (sum, i) => sum + (x[p * 3 + i] as number) * ((m[j] as number[])[i] as number),
              0,
            ) / maxNorm,
          ),
        ),
      );
      const images = parameterization.toImages(parameterization.initial);
      await expectTensorsClose(images, expected);
      tf.dispose([images, parameterization.initial]);
      parameterization.dispose();
    });
  });

  it('passes numeric gradient checks (fourier with colour, pixel)', async () => {
    await expectNoLeak(async () => {
      for (const kind of ['fourier', 'pixel'] as const) {
        const shape = [2, 3, 4, 3] as const;
        const parameterization = createParameterization(
          { kind, decorrelate: true, decayPower: 1, standardDeviation: 0.3 },
          shape,
          randomSource(9),
        );
        const weights = tf.tensor4d(seededValues(72, 2, -1, 1), [...shape]);
        await checkDirectionalGradient(
          (v: tf.Tensor) => tf.sum(tf.mul(parameterization.toImages(v), weights)),
          parameterization.initial,
          { count: 8, delta: 1e-2 },
        );
        tf.dispose([weights, parameterization.initial]);
        parameterization.dispose();
      }
    });
  });
});
