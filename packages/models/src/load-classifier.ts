import type { ImageClassifier, Preprocess } from '@netlens/backends';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import {
  hasScheme,
  isFileUrl,
  isIOHandler,
  loadResolved,
  type ResolvedSource,
  wrapLoaded,
} from './internal/load-source';

/**
 * Where a model comes from: an `http(s)://` URL of its `model.json`, an `indexeddb://` or
 * `localstorage://` key (browsers), a URL relative to the page (browsers), or any tfjs `IOHandler`
 * (`tf.io.fromMemory(…)`, `tf.io.browserFiles(…)`). For paths and `file://` URLs in Node, use
 * `loadClassifier` from `@netlens/models/node`.
 */
export type ModelSource = string | URL | tf.io.IOHandler;

/** Options for {@link loadClassifier}. */
export interface LoadClassifierOptions {
  /** Preprocessing from `[0, 1]` pixels to what the model was trained on. Default `'none'`. */
  preprocess?: Preprocess;
  /** Class names, one per model output. Default: none. */
  classNames?: readonly string[];
  /**
   * The model kind. Default `'auto'`: read from `model.json` (`format: 'layers-model'` or
   * `'graph-model'`, else the shape of `modelTopology`).
   */
  format?: 'auto' | 'layers' | 'graph';
  /**
   * Called with the fraction of the model downloaded or read, ending at 1. Sources that do not report
   * progress (an IOHandler) call it once with 1 when loaded.
   */
  onProgress?: (fraction: number) => void;
}

/** A classifier loaded from storage; `dispose()` frees its weights. */
export type LoadedClassifier = ImageClassifier & {
  /** Which tfjs loader built it. */
  readonly format: 'layers' | 'graph';
  /** Frees the model's weights. The classifier must not be used afterwards. */
  dispose(): void;
};

const inBrowserDocument = () =>
  typeof (globalThis as { location?: { href?: unknown } }).location?.href === 'string' &&
  typeof (globalThis as { process?: { versions?: { node?: unknown } } }).process?.versions?.node !== 'string';

/**
 * tfjs' HTTP handler reads a weight file's error page (often empty) as weights; failing on the
 * status instead names the file that is missing.
 */
async function checkedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response: Response = await tf.env().platform.fetch(input as string, init);
  if (!response.ok) {
    const url = input instanceof Request ? input.url : String(input);
    throw new NetlensError(
      'MODEL_LOAD',
      `${url} answered HTTP ${response.status} ${response.statusText}.`.trim(),
    );
  }
  return response;
}

/** Resolves a URL-like source to tfjs' own IO handlers (http, indexeddb, localstorage, registered routers). */
function resolveUrlSource(
  source: string | URL,
  onProgress: ((fraction: number) => void) | undefined,
): ResolvedSource {
  const url = source instanceof URL ? source.href : source;
  const loadOptions: tf.io.LoadOptions = { ...(onProgress ? { onProgress } : {}), fetchFunc: checkedFetch };
  const handlers = tf.io.getLoadHandlers(url, loadOptions);
  if (handlers.length > 1) {
    throw new NetlensError(
      'MODEL_LOAD',
      `Several tfjs IO routers claim '${url}'; pass an IOHandler instead.`,
    );
  }
  const [handler] = handlers;
  if (handler) return { handler, label: url, reportsProgress: tf.io.isHTTPScheme(url) };
  if (inBrowserDocument() && !hasScheme(url)) {
    // A relative URL in a page is fetched relative to the page, as tfjs' loaders do.
    const absolute = new URL(url, (globalThis as unknown as { location: { href: string } }).location.href)
      .href;
    return { handler: tf.io.http(absolute, loadOptions), label: absolute, reportsProgress: true };
  }
  const advice =
    isFileUrl(url) || !hasScheme(url)
      ? "Paths and file:// URLs need Node's file system: import { loadClassifier } from '@netlens/models/node'."
      : 'Use an http(s)://, indexeddb:// or localstorage:// URL, or pass a tfjs IOHandler.';
  throw new NetlensError('MODEL_LOAD', `No tfjs IO handler can load '${url}'. ${advice}`);
}

/** Validates `source` and resolves it with tfjs' routers. */
function resolveSource(
  source: ModelSource,
  onProgress: ((fraction: number) => void) | undefined,
): ResolvedSource {
  if (isIOHandler(source)) return { handler: source, label: 'the given IOHandler', reportsProgress: false };
  if (source instanceof URL || (typeof source === 'string' && source.length > 0)) {
    return resolveUrlSource(source, onProgress);
  }
  throw new InvalidArgumentError(
    'source',
    'a model.json URL, an indexeddb:// or localstorage:// key, or a tfjs IOHandler',
    String(source),
  );
}

/**
 * Loads a TensorFlow.js model (a tfjs-layers `LayersModel` or a tfjs-converter `GraphModel`) and adapts
 * it to the {@link ImageClassifier} contract: the final softmax is removed so algorithms see logits,
 * `preprocess` runs inside the differentiable graph, and layers are tappable by name. The format is
 * read from `model.json`; only the tfjs package that format needs is imported (`@tensorflow/tfjs-layers`
 * or `@tensorflow/tfjs-converter`, optional peers). Missing or truncated weight files, manifests that do
 * not fit the model, and unknown formats throw a `NetlensError` with code `'MODEL_LOAD'` naming the
 * file or tensor at fault.
 *
 * ```ts
 * const classifier = await loadClassifier('https://example.com/model/model.json', { preprocess: 'inception' });
 * const logits = classifier.logits(images);
 * classifier.dispose();
 * ```
 * @param source - an `http(s)://` URL of `model.json`, an `indexeddb://`/`localstorage://` key, a
 *   URL relative to the page (browsers), or a tfjs `IOHandler`.
 * @param options - preprocessing, class names, format and a progress callback.
 * @returns the classifier, with `dispose()` to free the model's weights.
 */
export async function loadClassifier(
  source: ModelSource,
  options: LoadClassifierOptions = {},
): Promise<LoadedClassifier> {
  return wrapLoaded(await loadResolved(resolveSource(source, options.onProgress), options));
}
