import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import type { LoadedClassifier } from '../load-classifier';
import { type BuildOptions, type BuiltClassifier, buildClassifier } from './build-model';
import { checkWeightBytes } from './weight-bytes';

/** An IOHandler ready to load, with a name for messages and whether it reports progress itself. */
export interface ResolvedSource {
  handler: tf.io.IOHandler;
  label: string;
  reportsProgress: boolean;
}

/** True for an object with a `load` method: a tfjs `IOHandler`. */
export function isIOHandler(source: unknown): source is tf.io.IOHandler {
  return (
    source !== null && typeof source === 'object' && typeof (source as { load?: unknown }).load === 'function'
  );
}

/** True for `file:` URLs and strings that start with `file://`. */
export function isFileUrl(source: string | URL): boolean {
  return source instanceof URL ? source.protocol === 'file:' : /^file:\/\//i.test(source);
}

/** True for a string with a URL scheme (`https:`, `indexeddb:`); a one-letter scheme is a Windows drive. */
export function hasScheme(source: string): boolean {
  return /^[a-z][a-z0-9+.-]+:/i.test(source);
}

/**
 * Loads the artifacts once, turning tfjs' errors into `MODEL_LOAD` errors that name the source, and
 * checks the weight bytes against the manifest (names the tensor when data is short).
 */
async function loadArtifacts(source: ResolvedSource): Promise<tf.io.ModelArtifacts> {
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await source.handler.load!();
  } catch (error) {
    // Aborts and timeouts keep their code; other errors that already name the source pass unchanged.
    if (
      error instanceof NetlensError &&
      (error.code !== 'MODEL_LOAD' || error.message.includes(source.label))
    ) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    const cause = (error as { cause?: unknown } | null)?.cause;
    const detail = cause instanceof Error ? ` (${cause.message})` : '';
    throw new NetlensError(
      'MODEL_LOAD',
      `Could not load the model from ${source.label}: ${message}${detail}`,
      {
        cause: error,
      },
    );
  }
  if (artifacts === null || typeof artifacts !== 'object' || artifacts.modelTopology == null) {
    throw new NetlensError(
      'MODEL_LOAD',
      `${source.label} returned no modelTopology: it is not a TensorFlow.js model.`,
    );
  }
  if (artifacts.weightSpecs && artifacts.weightData !== undefined) {
    const available = new tf.io.CompositeArrayBuffer(artifacts.weightData).byteLength;
    checkWeightBytes(artifacts.weightSpecs, available, `The weight data of ${source.label}`);
  }
  return artifacts;
}

/** Loads a resolved source and adapts it; the shared core of every netlens model loader. */
export async function loadResolved(
  source: ResolvedSource,
  options: BuildOptions & { onProgress?: (fraction: number) => void; signal?: AbortSignal },
): Promise<BuiltClassifier> {
  if (!isIOHandler(source.handler)) {
    throw new InvalidArgumentError('source', 'an IOHandler with a load() method', String(source.handler));
  }
  const artifacts = await loadArtifacts(source);
  if (options.signal?.aborted) {
    throw new NetlensError('ABORTED', `Loading ${source.label} was aborted.`, {
      cause: options.signal.reason,
    });
  }
  if (!source.reportsProgress) options.onProgress?.(1);
  return buildClassifier(artifacts, source.label, options);
}

/** Adds `format` and `dispose` to a built classifier. */
export function wrapLoaded(built: BuiltClassifier): LoadedClassifier {
  return Object.freeze({ ...built.classifier, format: built.format, dispose: built.dispose });
}
