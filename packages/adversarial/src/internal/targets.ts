import { type ImageClassifier, InvalidArgumentError, seededRandom } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { assertAllowNonFinite, assertFiniteRows, type FiniteOptions, nonFiniteRows } from './finite';
import { checkClassList } from './validate';

/**
 * What an attack aims for: `'untargeted'` (any class but the label), one class for every image, one
 * class per image, each image's least likely class on the clean input (`'leastLikely'`, Kurakin et
 * al. 2017), or a class drawn uniformly among the others per image with `seed` (`'randomOther'`).
 */
export type AttackTarget = 'untargeted' | 'leastLikely' | 'randomOther' | number | readonly number[];

/** Options every attack accepts for choosing labels and targets. */
export interface AttackTargetOptions extends FiniteOptions {
  /**
   * The true class of each image. Untargeted attacks move away from it, and `'randomOther'` draws
   * among the other classes. Default: the model's prediction on the clean images.
   */
  labels?: readonly number[];
  /** What the attack aims for. Default `'untargeted'`. */
  target?: AttackTarget;
  /** Seed of `'randomOther'` and of random starts. Default `0`. */
  seed?: number;
}

/** Labels and targets as plain class indices. */
export interface ResolvedTargets {
  /** The true (or clean predicted) class of each image. */
  labels: number[];
  /** The class each image is pushed towards; `undefined` for untargeted attacks. */
  targets: number[] | undefined;
}

async function cleanExtremes(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: FiniteOptions,
): Promise<[number[], number[]]> {
  const packed = tf.tidy(() => {
    const logits = model.logits(images);
    return tf.stack([
      tf.cast(tf.argMax(logits, 1), 'float32'),
      tf.cast(tf.argMin(logits, 1), 'float32'),
      nonFiniteRows(logits),
    ]);
  });
  const values = Array.from(await packed.data());
  packed.dispose();
  const batch = images.shape[0];
  assertFiniteRows(values.slice(2 * batch), options);
  return [values.slice(0, batch), values.slice(batch, 2 * batch)];
}

/** Index `k` among the `numClasses − 1` classes other than `label`. */
function otherClass(label: number, draw: number, numClasses: number): number {
  const k = Math.min(numClasses - 2, Math.floor(draw * (numClasses - 1)));
  return k >= label ? k + 1 : k;
}

/**
 * Resolves `labels` and `target` to class indices, validating lengths and ranges (one forward pass
 * of the clean images, read back once, when labels or `'leastLikely'` need it; that read also
 * refuses non-finite logits unless `allowNonFinite`).
 * @param allowUntargeted - `false` for methods that need a target (fooling images).
 */
export async function resolveAttackTargets(
  model: ImageClassifier,
  images: tf.Tensor4D,
  options: AttackTargetOptions,
  allowUntargeted = true,
): Promise<ResolvedTargets> {
  const batch = images.shape[0];
  const { target = allowUntargeted ? 'untargeted' : undefined, seed = 0 } = options;
  const valid =
    target === 'untargeted' ||
    target === 'leastLikely' ||
    target === 'randomOther' ||
    typeof target === 'number' ||
    Array.isArray(target);
  if (!valid || (target === 'untargeted' && !allowUntargeted)) {
    const expected = allowUntargeted
      ? "'untargeted', 'leastLikely', 'randomOther', a class index or one class per image"
      : "'leastLikely', 'randomOther', a class index or one class per image";
    throw new InvalidArgumentError('options.target', expected, String(target));
  }
  if (!Number.isInteger(seed)) throw new InvalidArgumentError('options.seed', 'an integer', String(seed));
  assertAllowNonFinite(options);
  const explicit =
    typeof target === 'number'
      ? checkClassList(new Array<number>(batch).fill(target), batch, model.numClasses, 'options.target')
      : Array.isArray(target)
        ? checkClassList(target, batch, model.numClasses, 'options.target')
        : undefined;
  const given =
    options.labels === undefined
      ? undefined
      : checkClassList(options.labels, batch, model.numClasses, 'options.labels');
  if ((target === 'randomOther' || target === 'leastLikely') && model.numClasses < 2) {
    throw new InvalidArgumentError('options.target', 'a model with at least two classes', '1 class');
  }
  const needClean = given === undefined || target === 'leastLikely';
  const [predicted, leastLikely] = needClean ? await cleanExtremes(model, images, options) : [[], []];
  const labels = given ?? predicted;
  if (target === 'untargeted') return { labels, targets: undefined };
  if (target === 'leastLikely') return { labels, targets: leastLikely };
  if (target === 'randomOther') {
    const next = seededRandom(seed);
    return { labels, targets: labels.map((label) => otherClass(label, next(), model.numClasses)) };
  }
  return { labels, targets: explicit };
}
