import type { ImageClassifier, Preprocess } from '@netlens/backends';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { httpHandler } from './internal/http-io';
import { loadLimits, timeoutOf } from './internal/limits';

export {
  DEFAULT_MAX_MODEL_JSON_BYTES,
  DEFAULT_MAX_WEIGHT_BYTES,
  DEFAULT_TIMEOUT_MS,
} from './internal/limits';

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
  /**
   * Stops the load: pending requests are cancelled and the promise rejects with a `NetlensError` of
   * code `'ABORTED'`. Default: none.
   */
  signal?: AbortSignal;
  /**
   * Time limit for each HTTP request of the load (`model.json` and every weight file), body included,
   * in milliseconds; past it the load rejects with a `NetlensError` of code `'TIMEOUT'`. Default
   * `60000` (`DEFAULT_TIMEOUT_MS`); raise it for large models on slow connections.
   */
  timeoutMs?: number;
  /**
   * Largest `model.json` read, in bytes; a larger one is refused (over HTTP, as soon as that many bytes
   * arrive). Default 32 MiB (`DEFAULT_MAX_MODEL_JSON_BYTES`).
   */
  maxModelJsonBytes?: number;
  /**
   * Largest total of weight bytes the manifest may declare, the files hold or a server sends; more is
   * refused before it is read or allocated. Default 1 GiB (`DEFAULT_MAX_WEIGHT_BYTES`).
   */
  maxWeightBytes?: number;
  /**
   * Over HTTP, weight files must come from the same origin (scheme, host, port) as `model.json`'s URL
   * after redirects, so that a `model.json` cannot make netlens request other servers. `true` lets it
   * name any http(s) URL. Default `false`.
   */
  allowCrossOriginWeights?: boolean;
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

/** Resolves a URL-like source: http(s) to netlens' own bounded handler, the rest to tfjs' routers. */
function resolveUrlSource(source: string | URL, options: LoadClassifierOptions): ResolvedSource {
  const url = source instanceof URL ? source.href : source;
  const http = (absolute: string): ResolvedSource => ({
    handler: httpHandler(absolute, {
      limits: loadLimits(options),
      timeoutMs: timeoutOf(options.timeoutMs),
      allowCrossOriginWeights: options.allowCrossOriginWeights === true,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    }),
    label: absolute,
    reportsProgress: true,
  });
  if (tf.io.isHTTPScheme(url)) return http(url);
  const handlers = tf.io.getLoadHandlers(url, options.onProgress ? { onProgress: options.onProgress } : {});
  if (handlers.length > 1) {
    throw new NetlensError(
      'MODEL_LOAD',
      `Several tfjs IO routers claim '${url}'; pass an IOHandler instead.`,
    );
  }
  const [handler] = handlers;
  if (handler) return { handler, label: url, reportsProgress: false };
  if (inBrowserDocument() && !hasScheme(url)) {
    // A relative URL in a page is fetched relative to the page, as tfjs' loaders do.
    return http(new URL(url, (globalThis as unknown as { location: { href: string } }).location.href).href);
  }
  const advice =
    isFileUrl(url) || !hasScheme(url)
      ? "Paths and file:// URLs need Node's file system: import { loadClassifier } from '@netlens/models/node'."
      : 'Use an http(s)://, indexeddb:// or localstorage:// URL, or pass a tfjs IOHandler.';
  throw new NetlensError('MODEL_LOAD', `No tfjs IO handler can load '${url}'. ${advice}`);
}

/** Validates `source` and resolves it to an IOHandler. */
function resolveSource(source: ModelSource, options: LoadClassifierOptions): ResolvedSource {
  if (isIOHandler(source)) return { handler: source, label: 'the given IOHandler', reportsProgress: false };
  if (source instanceof URL || (typeof source === 'string' && source.length > 0)) {
    return resolveUrlSource(source, options);
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
 * Models are treated as untrusted. Over HTTP every request (`model.json` and each weight file) has a
 * time limit (`timeoutMs`, default 60 s → `'TIMEOUT'`) and follows `signal` (→ `'ABORTED'`);
 * redirects are followed, and weight files are fetched relative to `model.json`'s URL after
 * redirects and must share its origin (`allowCrossOriginWeights` to lift that). `model.json` and the
 * weights are read with size caps (`maxModelJsonBytes`, `maxWeightBytes`; a server that sends more
 * than the manifest declares is cut off), and a layers topology may not build more weight values than
 * its manifest holds: a hostile topology is refused before its layers allocate anything.
 *
 * ```ts
 * const classifier = await loadClassifier('https://example.com/model/model.json', {
 *   preprocess: 'inception',
 *   signal: AbortSignal.timeout(120_000),
 * });
 * const logits = classifier.logits(images);
 * classifier.dispose();
 * ```
 * @param source - an `http(s)://` URL of `model.json`, an `indexeddb://`/`localstorage://` key, a
 *   URL relative to the page (browsers), or a tfjs `IOHandler`.
 * @param options - preprocessing, class names, format, progress, abort signal, time and size limits.
 * @returns the classifier, with `dispose()` to free the model's weights.
 * @throws NetlensError `'MODEL_LOAD'`, `'TIMEOUT'` or `'ABORTED'`; InvalidArgumentError for bad options.
 */
export async function loadClassifier(
  source: ModelSource,
  options: LoadClassifierOptions = {},
): Promise<LoadedClassifier> {
  return wrapLoaded(await loadResolved(resolveSource(source, options), options));
}
