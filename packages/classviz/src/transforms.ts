import { InvalidArgumentError } from '@netlens/backends';

/**
 * A random, differentiable image transform applied before each forward pass of
 * `visualizeFeature` (Lucid's `transform` module). Build them with {@link pad}, {@link jitter},
 * {@link randomScale} and {@link randomRotate}; {@link standardTransforms} is Lucid's default chain.
 *
 * The chain is composed into one bilinear resampling per step, so its gradient is that of one
 * `gather` and the image is interpolated once instead of once per transform. The canvas grows and
 * shrinks as in Lucid (pad widens it, jitter crops it, scale resizes it); its centre, at the
 * model's input size, is what the model sees.
 *
 * ```ts
 * const transforms: Transform[] = [pad(4), jitter(4), randomScale([0.95, 1, 1.05]), randomRotate([-5, 0, 5])];
 * ```
 */
export type Transform =
  | {
      readonly kind: 'pad';
      /** Pixels added on each side. */
      readonly size: number;
      /** `'constant'` fills with `value`; `'reflect'` mirrors the image. */
      readonly mode: 'constant' | 'reflect';
      /** The fill of `'constant'` padding, in `[0, 1]`. */
      readonly value: number;
    }
  | {
      readonly kind: 'jitter';
      /** The crop is `size` pixels smaller than the canvas, at a random offset in `[0, size]`. */
      readonly size: number;
    }
  | {
      readonly kind: 'scale';
      /** Factors to draw from, uniformly. */
      readonly scales: readonly number[];
    }
  | {
      readonly kind: 'rotate';
      /** Angles in degrees to draw from, uniformly. */
      readonly degrees: readonly number[];
    };

function assertCount(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError(argument, 'an integer ≥ 0', String(value));
  }
  return value;
}

function assertList(values: unknown, argument: string, positive: boolean): readonly number[] {
  if (
    !Array.isArray(values) ||
    values.length === 0 ||
    values.some((value) => typeof value !== 'number' || !Number.isFinite(value) || (positive && value <= 0))
  ) {
    throw new InvalidArgumentError(
      argument,
      `a non-empty array of ${positive ? 'positive' : 'finite'} numbers`,
      String(values),
    );
  }
  return Object.freeze([...values]);
}

/**
 * Widens the canvas by `size` pixels on each side (Lucid's `pad`, which the standard chain uses
 * with `constant` 0.5), so that later jitter and rotation bring a neutral border into view rather
 * than wrapping or smearing the edge. Samples beyond any padding repeat the edge pixel.
 *
 * ```ts
 * const transforms = [pad(4), jitter(2)];
 * ```
 * @param size - pixels per side.
 * @param options - `mode` (`'constant'`, default, or `'reflect'`) and the constant `value` (default 0.5).
 * @returns the transform.
 */
export function pad(
  size: number,
  options: { mode?: 'constant' | 'reflect'; value?: number } = {},
): Transform {
  const mode = options.mode ?? 'constant';
  if (mode !== 'constant' && mode !== 'reflect') {
    throw new InvalidArgumentError('options.mode', "'constant' or 'reflect'", String(mode));
  }
  const value = options.value ?? 0.5;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw new InvalidArgumentError('options.value', 'a number in [0, 1]', String(value));
  }
  return Object.freeze({ kind: 'pad', size: assertCount(size, 'size'), mode, value });
}

/**
 * A random crop `size` pixels smaller than the canvas (Lucid's `jitter`): a translation by up to
 * `size` pixels, different at every step and for every image.
 *
 * ```ts
 * const transforms = [jitter(8)];
 * ```
 * @param size - the largest shift in pixels.
 * @returns the transform.
 */
export function jitter(size: number): Transform {
  return Object.freeze({ kind: 'jitter', size: assertCount(size, 'size') });
}

/**
 * Resizes the canvas by a factor drawn from `scales` (Lucid's `random_scale`), bilinearly.
 *
 * ```ts
 * const transforms = [randomScale([0.9, 1, 1.1])];
 * ```
 * @param scales - positive factors.
 * @returns the transform.
 */
export function randomScale(scales: readonly number[]): Transform {
  return Object.freeze({ kind: 'scale', scales: assertList(scales, 'scales', true) });
}

/**
 * Rotates the canvas about its centre by an angle in degrees drawn from `degrees` (Lucid's
 * `random_rotate`), bilinearly.
 *
 * ```ts
 * const transforms = [randomRotate([-5, 0, 5])];
 * ```
 * @param degrees - the angles to draw from.
 * @returns the transform.
 */
export function randomRotate(degrees: readonly number[]): Transform {
  return Object.freeze({ kind: 'rotate', degrees: assertList(degrees, 'degrees', false) });
}

/**
 * Lucid's `standard_transforms`: pad 12 (constant 0.5), jitter 8, scale 0.9–1.1 in steps of 0.02,
 * rotate −10°…10° (0° drawn six times as often), jitter 4, with the pixel sizes scaled by
 * `imageWidth / 224` (at least 1) so that small images (28² digits) are not pushed out of view.
 *
 * ```ts
 * const { images } = await visualizeFeature(model, channel('conv2', 0), { transforms: standardTransforms(28) });
 * ```
 * Sources: Olah, Mordvintsev and Schubert 2017, "Feature Visualization" (Distill); Lucid
 * `lucid/optvis/transform.py`.
 * @param imageWidth - the width the pixel sizes are scaled for. Default 224 (Lucid's numbers).
 * @returns the transforms, in order.
 */
export function standardTransforms(imageWidth = 224): Transform[] {
  if (typeof imageWidth !== 'number' || !(imageWidth > 0)) {
    throw new InvalidArgumentError('imageWidth', 'a positive number', String(imageWidth));
  }
  const pixels = (size: number) => Math.max(1, Math.round((size * imageWidth) / 224));
  return [
    pad(pixels(12), { mode: 'constant', value: 0.5 }),
    jitter(pixels(8)),
    randomScale(Array.from({ length: 11 }, (_, i) => 1 + (i - 5) / 50)),
    randomRotate([...Array.from({ length: 21 }, (_, i) => i - 10), 0, 0, 0, 0, 0]),
    jitter(pixels(4)),
  ];
}

/** Throws `InvalidArgumentError` unless `transforms` is an array of {@link Transform}. */
export function assertTransforms(transforms: unknown, argument: string): readonly Transform[] {
  if (!Array.isArray(transforms))
    throw new InvalidArgumentError(argument, 'an array of transforms', String(transforms));
  transforms.forEach((transform, index) => {
    const kind = (transform as { kind?: unknown } | null)?.kind;
    if (!['pad', 'jitter', 'scale', 'rotate'].includes(kind as string)) {
      throw new InvalidArgumentError(
        `${argument}[${index}]`,
        'a Transform (pad, jitter, randomScale, randomRotate)',
        String(kind),
      );
    }
  });
  return transforms as readonly Transform[];
}
