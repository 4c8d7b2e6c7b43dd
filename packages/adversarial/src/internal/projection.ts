import { seededRandom, seededValues } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** The perturbation norms the attacks constrain. */
export type PerturbationNorm = 'linf' | 'l2';

// Keeps the division of a zero gradient or perturbation finite (torchattacks adds 1e-10 as well).
const TINY = 1e-10;

/** Per-example `‖t‖₂` over all pixels and channels, `[N, 1, 1, 1]`. */
export function l2Norms(t: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)) as tf.Tensor4D);
}

/** `g / (‖g‖₂ + 1e-10)` per example. */
export function normalizeL2(gradient: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.div(gradient, tf.add(l2Norms(gradient), TINY)) as tf.Tensor4D);
}

/** Clips to valid pixels `[0, 1]`. */
export function clipToPixels(images: tf.Tensor4D): tf.Tensor4D {
  return tf.clipByValue(images, 0, 1);
}

/**
 * The nearest point of the ε-ball around `original` (in `norm`), then clipped to `[0, 1]`. The L∞
 * projection clips each value of the perturbation to `[−ε, ε]`; the L2 projection scales the
 * perturbation by `min(1, ε / ‖δ‖₂)`, the exact Euclidean projection onto the ball. Clipping to
 * pixels afterwards only shrinks `|δ|` elementwise, so the result stays in the ball.
 */
export function projectToBall(
  images: tf.Tensor4D,
  original: tf.Tensor4D,
  epsilon: number,
  norm: PerturbationNorm,
): tf.Tensor4D {
  return tf.tidy(() => {
    const delta = tf.sub(images, original) as tf.Tensor4D;
    const projected =
      norm === 'linf'
        ? tf.clipByValue(delta, -epsilon, epsilon)
        : tf.mul(delta, tf.minimum(1, tf.div(epsilon, tf.maximum(l2Norms(delta), 1e-12))));
    return clipToPixels(tf.add(original, projected) as tf.Tensor4D);
  });
}

/**
 * A seeded random start inside the ε-ball: uniform in `[−ε, ε]` per value for L∞ (Madry et al.),
 * and for L2 a uniformly random direction scaled by `ε·u`, `u ~ U(0, 1)` per example (torchattacks'
 * PGDL2), clipped to pixels.
 */
export function randomStart(
  original: tf.Tensor4D,
  epsilon: number,
  norm: PerturbationNorm,
  seed: number,
): tf.Tensor4D {
  const [batch, height, width, channels] = original.shape;
  const perImage = height * width * channels;
  if (norm === 'linf') {
    return tf.tidy(() =>
      clipToPixels(
        tf.add(
          original,
          tf.tensor4d(seededValues(batch * perImage, seed, -epsilon, epsilon), original.shape),
        ),
      ),
    );
  }
  const next = seededRandom(seed);
  const normal = new Float32Array(batch * perImage);
  for (let i = 0; i < normal.length; i++) {
    // Box–Muller; 1 − u keeps the logarithm finite.
    normal[i] = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  }
  const radii = Array.from({ length: batch }, () => epsilon * next());
  return tf.tidy(() => {
    const direction = normalizeL2(tf.tensor4d(normal, original.shape));
    return clipToPixels(tf.add(original, tf.mul(direction, tf.tensor4d(radii, [batch, 1, 1, 1]))));
  });
}
