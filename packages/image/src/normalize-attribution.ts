import { InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { percentileOfRows } from './internal/percentile';
import { assertNumberInRange, assertTensorRank } from './internal/tensor-checks';

/** Which part of a signed attribution map to show. */
export type SignMode = 'abs' | 'positive' | 'negative' | 'all';

/** Options for {@link normalizeAttribution}. */
export interface NormalizeAttributionOptions {
  /**
   * `'abs'` (default): magnitude, summing |value| over channels (PAIR saliency's grayscale view).
   * `'positive'` / `'negative'`: only evidence for / against, as a magnitude.
   * `'all'`: signed; −span … +span map to 0 … 1 with 0 at 0.5, for a diverging colormap.
   * Except for `'abs'`, channels are summed with their signs first.
   */
  signMode?: SignMode;
  /**
   * Percentile of the per-image magnitudes used as the scale: values above it clip to full
   * intensity, so a few outlier pixels do not wash out the rest. Default 99.5; 100 scales by the max.
   */
  percentile?: number;
  /**
   * Default true: divide by the per-image percentile as above. False is the explicit
   * no-renormalisation mode for maps already on a known scale: magnitudes are only clipped to [0, 1],
   * and for `'all'` the values are clipped to [−1, 1] and mapped to [0, 1] by (v + 1) / 2.
   */
  renormalize?: boolean;
}

const SIGN_MODES: readonly SignMode[] = ['abs', 'positive', 'negative', 'all'];

/**
 * Turns an attribution map (gradients, Integrated Gradients, SmoothGrad, Grad-CAM…) into a
 * displayable `[N, H, W, 1]` map in [0, 1]: reduces channels, picks a sign, and scales each image by
 * a high percentile of its magnitudes, clipping above it (PAIR saliency's
 * `VisualizeImageGrayscale` / `VisualizeImageDiverging`, with the scale measured from 0 rather than
 * from the map's minimum so that zero attribution stays at 0, or at 0.5 for `'all'`). An all-zero
 * image stays 0 (0.5 for `'all'`); NaN counts as 0.
 *
 * Sources: Smilkov et al. 2017, SmoothGrad (PAIR-code/saliency visualisation); Captum
 * `visualization._normalize_attr` for the sign modes.
 *
 * @param attribution - `[N, H, W, C]` (channels are reduced) or `[N, H, W]`. Not disposed.
 * @param options - `signMode` (default `'abs'`), `percentile` (default 99.5), `renormalize` (default true).
 * @returns a new `[N, H, W, 1]` float32 tensor in [0, 1]; with `signMode: 'all'`, 0.5 means zero.
 *
 * ```ts
 * const map = normalizeAttribution(gradients, { signMode: 'all' });
 * const picture = applyColormap(map, 'bwr'); // blue negative, white zero, red positive
 * ```
 */
export function normalizeAttribution(
  attribution: tf.Tensor3D | tf.Tensor4D,
  options: NormalizeAttributionOptions = {},
): tf.Tensor4D {
  assertTensorRank(attribution, 'attribution', [3, 4], 'an [N, H, W, C] or [N, H, W] tensor');
  const signMode = options.signMode ?? 'abs';
  if (!SIGN_MODES.includes(signMode)) {
    throw new InvalidArgumentError(
      'options.signMode',
      "'abs', 'positive', 'negative' or 'all'",
      String(signMode),
    );
  }
  const percentile = assertNumberInRange(options.percentile ?? 99.5, 'options.percentile', 0, 100);
  const renormalize = options.renormalize ?? true;
  const [batch, height, width] = attribution.shape as [number, number, number];

  return tf.tidy(() => {
    const raw = tf.cast(attribution, 'float32');
    const values = tf.where(tf.isNaN(raw), tf.zerosLike(raw), raw);
    const perChannel = signMode === 'abs' ? tf.abs(values) : values;
    const reduced = (attribution.rank === 4 ? tf.sum(perChannel, 3) : perChannel) as tf.Tensor3D;
    const selected =
      signMode === 'positive'
        ? tf.relu(reduced)
        : signMode === 'negative'
          ? tf.relu(tf.neg(reduced))
          : reduced;

    let normalized: tf.Tensor;
    if (!renormalize) {
      normalized =
        signMode === 'all'
          ? tf.div(tf.add(tf.clipByValue(selected, -1, 1), 1), 2)
          : tf.clipByValue(selected, 0, 1);
    } else {
      const magnitude = tf.reshape(signMode === 'all' ? tf.abs(selected) : selected, [batch, height * width]);
      const span = percentileOfRows(magnitude as tf.Tensor2D, percentile);
      // A map whose percentile is 0 but has a few non-zero pixels is scaled by its max instead;
      // an all-zero map by 1, so that it stays 0.
      const maximum = tf.max(magnitude, 1);
      const safeSpan = tf.where(
        tf.greater(span, 0),
        span,
        tf.where(tf.greater(maximum, 0), maximum, tf.onesLike(maximum)),
      );
      const scaled = tf.div(selected, tf.reshape(safeSpan, [batch, 1, 1]));
      normalized =
        signMode === 'all'
          ? tf.div(tf.add(tf.clipByValue(scaled, -1, 1), 1), 2)
          : tf.clipByValue(scaled, 0, 1);
    }
    return tf.reshape(normalized, [batch, height, width, 1]) as tf.Tensor4D;
  });
}
