import { NetlensError } from '@netlens/backends';
import {
  type LoadClassifierOptions,
  type LoadedClassifier,
  loadClassifier,
  type ModelSource,
} from './load-classifier';

/** Options for {@link mobileNetV2}: those of `loadClassifier`, with MobileNet's defaults. */
export interface MobileNetV2Options extends LoadClassifierOptions {
  /** Preprocessing. Default `'inception'` (pixels scaled to `[-1, 1]`, as MobileNet was trained). */
  preprocess?: LoadClassifierOptions['preprocess'];
  /**
   * Class names, one per output. Default: none. TF-Hub / tfjs-converter MobileNet v2 graphs have
   * 1001 outputs whose index 0 is a "background" class, so pass `['background', ...imagenetClasses]`
   * for them and the 1000 ImageNet names for Keras-style models with 1000 outputs.
   */
  classNames?: readonly string[];
}

/** MobileNet v2's image size. */
export const MOBILENET_V2_INPUT_SHAPE = [224, 224, 3] as const;

/**
 * Checks that a loaded classifier takes MobileNet v2's 224×224 RGB images (or any size), and
 * frees it before throwing otherwise.
 */
export function checkMobileNetV2(classifier: LoadedClassifier, label: string): LoadedClassifier {
  const [height, width, channels] = classifier.inputShape;
  const fits = (value: number | null, wanted: number) => value === null || value === wanted;
  if (!fits(height, 224) || !fits(width, 224) || channels !== 3) {
    classifier.dispose();
    throw new NetlensError(
      'MODEL_LOAD',
      `${label} takes [${classifier.inputShape.join(', ')}] images, not MobileNet v2's [224, 224, 3]; load it with loadClassifier instead.`,
    );
  }
  return classifier;
}

/** `options` with MobileNet v2's defaults filled in. */
export const mobileNetV2Defaults = (options: MobileNetV2Options): LoadClassifierOptions => ({
  preprocess: 'inception',
  ...options,
});

/**
 * Loads a MobileNet v2 image classifier converted for TensorFlow.js (a tfjs-converter graph such as
 * TF-Hub's `imagenet/mobilenet_v2_100_224/classification`, or a tfjs-layers Keras export) with
 * `'inception'` preprocessing and checks its 224×224×3 input. TF-Hub graphs have 1001 logits: index 0
 * is "background" and index `i` is ImageNet class `i − 1`; pass `classNames` to match.
 * Sources: Sandler et al. 2018, MobileNetV2: Inverted Residuals and Linear Bottlenecks.
 *
 * ```ts
 * const mobilenet = await mobileNetV2('https://example.com/mobilenet_v2/model.json', {
 *   classNames: ['background', ...IMAGENET_CLASSES],
 * });
 * ```
 * @param source - as for `loadClassifier`: a URL of `model.json`, a browser storage key, or an IOHandler.
 * @param options - `loadClassifier` options; `preprocess` defaults to `'inception'`.
 * @returns the classifier, with `dispose()` to free its weights.
 */
export async function mobileNetV2(
  source: ModelSource,
  options: MobileNetV2Options = {},
): Promise<LoadedClassifier> {
  const classifier = await loadClassifier(source, mobileNetV2Defaults(options));
  return checkMobileNetV2(classifier, typeof source === 'string' ? source : 'this model');
}
