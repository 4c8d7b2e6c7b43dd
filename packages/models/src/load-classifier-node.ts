import { fileSystemHandler, modelJsonPath } from './internal/file-io';
import { loadLimits, timeoutOf } from './internal/limits';
import { hasScheme, isFileUrl, isIOHandler, loadResolved, wrapLoaded } from './internal/load-source';
import {
  type LoadClassifierOptions,
  type LoadedClassifier,
  loadClassifier as loadClassifierFromUrl,
  type ModelSource,
} from './load-classifier';
import { checkMobileNetV2, type MobileNetV2Options, mobileNetV2Defaults } from './mobilenet-v2';

// A string without a scheme, or with a one-letter one (a Windows drive), is a file-system path.
const isPath = (source: ModelSource): source is string | URL =>
  (typeof source === 'string' && source.length > 0 && !hasScheme(source)) ||
  ((typeof source === 'string' || source instanceof URL) && isFileUrl(source));

/**
 * Node's `loadClassifier`: the same as the browser-safe one, and also takes file-system paths and
 * `file://` URLs of `model.json` (or of the folder that holds it), read with `fileSystemHandler` and
 * no global router. `model.json` is treated as untrusted: weight paths must stay inside its folder
 * (see `fileSystemHandler`), sizes are checked before anything is read or built. Missing files,
 * truncated weight files and manifests that do not fit the model throw a `NetlensError` with code
 * `'MODEL_LOAD'` naming the file and tensor (never a file outside the folder).
 *
 * ```ts
 * import { loadClassifier } from '@netlens/models/node';
 * const classifier = await loadClassifier('./models/mnist/model.json');
 * ```
 * @param source - a path or `file://` URL, an `http(s)://` URL, or a tfjs `IOHandler`.
 * @param options - preprocessing, class names, format, progress, abort signal, time and size limits.
 * @returns the classifier, with `dispose()` to free the model's weights.
 */
export async function loadClassifier(
  source: ModelSource,
  options: LoadClassifierOptions = {},
): Promise<LoadedClassifier> {
  if (isIOHandler(source) || !isPath(source)) return loadClassifierFromUrl(source, options);
  timeoutOf(options.timeoutMs);
  loadLimits(options);
  const handler = fileSystemHandler(source, {
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.maxModelJsonBytes !== undefined ? { maxModelJsonBytes: options.maxModelJsonBytes } : {}),
    ...(options.maxWeightBytes !== undefined ? { maxWeightBytes: options.maxWeightBytes } : {}),
  });
  return wrapLoaded(
    await loadResolved({ handler, label: modelJsonPath(source), reportsProgress: true }, options),
  );
}

/**
 * Node's `mobileNetV2`: the same as the browser-safe one, and also takes file-system paths and
 * `file://` URLs.
 *
 * ```ts
 * import { mobileNetV2 } from '@netlens/models/node';
 * const mobilenet = await mobileNetV2('./mobilenet_v2/model.json');
 * ```
 * @param source - a path or `file://` URL, an `http(s)://` URL, or a tfjs `IOHandler`.
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
