import { mkdir, realpath, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { checkManifest, loadLimits } from './limits';
import { type CheckedWeightFile, checkWeightFile, readModelJsonText, readWeightFile } from './model-folder';
import { artifactsFromModelJson, parseModelJson } from './model-json';
import { checkWeightBytes } from './weight-bytes';

/** Options for {@link fileSystemHandler}. */
export interface FileSystemHandlerOptions {
  /** Called with the fraction of files read (model.json and each weight file), ending at 1. */
  onProgress?: (fraction: number) => void;
  /**
   * Largest `model.json` read, in bytes; a larger file is refused unread. Default 32 MiB
   * (`DEFAULT_MAX_MODEL_JSON_BYTES`).
   */
  maxModelJsonBytes?: number;
  /**
   * Largest total of weight bytes the manifest may declare (and the files may hold); more is refused
   * before anything is read. Default 1 GiB (`DEFAULT_MAX_WEIGHT_BYTES`).
   */
  maxWeightBytes?: number;
  /** Stops loading between files with a `NetlensError` of code `'ABORTED'`. */
  signal?: AbortSignal;
}

const throwIfAborted = (signal: AbortSignal | undefined, jsonPath: string) => {
  if (signal?.aborted) {
    throw new NetlensError('ABORTED', `Loading ${jsonPath} was aborted.`, { cause: signal.reason });
  }
};

const WEIGHTS_FILE = 'weights.bin';

/** `model.json`'s path for a path or `file://` URL naming either the file or its folder. */
export function modelJsonPath(location: string | URL): string {
  let path: string;
  try {
    path = location instanceof URL || location.startsWith('file://') ? fileURLToPath(location) : location;
  } catch (error) {
    // fileURLToPath refuses hosts (file://server/…) and encoded slashes with a bare TypeError.
    throw new InvalidArgumentError(
      'source',
      'a file:// URL of this machine (file:///path/model.json)',
      String(location),
      { cause: error },
    );
  }
  return resolve(path.endsWith('.json') ? path : join(path, 'model.json'));
}

/**
 * Reads `model.json` (size-capped) and the weight files its manifest lists, confined to its folder and
 * size-checked before reading. `requireTopology: false` accepts a weights-only `model.json`.
 */
export async function loadFromFolder(
  jsonPath: string,
  options: FileSystemHandlerOptions,
  requireTopology = true,
): Promise<tf.io.ModelArtifacts> {
  const limits = loadLimits(options);
  throwIfAborted(options.signal, jsonPath);
  const modelJson = parseModelJson(
    await readModelJsonText(jsonPath, limits.maxModelJsonBytes),
    jsonPath,
    requireTopology,
  );
  // The folder as the user named it, links resolved: weight files must lie inside it.
  let folder: string;
  try {
    folder = await realpath(dirname(jsonPath));
  } catch (error) {
    throw new NetlensError('MODEL_LOAD', `The folder of ${jsonPath} cannot be read.`, { cause: error });
  }
  const groups = checkManifest(modelJson.weightsManifest, jsonPath, limits.maxWeightBytes);
  const totalFiles = 1 + groups.reduce((sum, group) => sum + group.paths.length, 0);
  let filesRead = 1;
  options.onProgress?.(filesRead / totalFiles);
  let bytesFound = 0;
  return artifactsFromModelJson(
    modelJson,
    groups,
    async (group) => {
      const files: CheckedWeightFile[] = [];
      for (const name of group.paths) {
        throwIfAborted(options.signal, jsonPath);
        const file = await checkWeightFile(folder, name, jsonPath);
        files.push(file);
        bytesFound += file.size;
        if (bytesFound > limits.maxWeightBytes) {
          throw new NetlensError(
            'MODEL_LOAD',
            `The weight files of ${jsonPath} hold more than ${limits.maxWeightBytes} bytes; raise options.maxWeightBytes if the model is really that large.`,
          );
        }
      }
      // Sizes are checked with stat before a byte is read, so a wrong or hostile file costs nothing.
      const where =
        files.length === 1
          ? `Weight file ${files[0]?.path}`
          : `The weight files ${files.map((file) => file.path).join(', ')} (one group of ${jsonPath})`;
      checkWeightBytes(
        group.weights,
        files.reduce((sum, file) => sum + file.size, 0),
        where,
      );
      const parts: Uint8Array[] = [];
      for (const file of files) {
        throwIfAborted(options.signal, jsonPath);
        parts.push(await readWeightFile(file));
        filesRead += 1;
        options.onProgress?.(filesRead / totalFiles);
      }
      return parts;
    },
    (group) => `The weight files ${group.paths.join(', ')} (one group of ${jsonPath})`,
  );
}

/**
 * A tfjs `IOHandler` that loads a model from `model.json` and the weight files its manifest lists
 * (relative to it), and saves one as `model.json` plus a single `weights.bin`. Node only. Built on
 * tfjs-core's public IO API, so it needs neither `@tensorflow/tfjs-node` nor a `file://` router.
 * `model.json` is untrusted: weight paths must stay inside its folder (relative, no `..`, links that
 * resolve inside, regular files only — never a device or FIFO), and every group's byte count is
 * checked with `stat` against its manifest before a byte is read, naming the file and tensor when one
 * is short. `model.json` itself is read only up to `maxModelJsonBytes`, weights up to
 * `maxWeightBytes`. Errors never describe files outside the folder.
 *
 * ```ts
 * const model = await tf.loadLayersModel(fileSystemHandler('./models/mnist/model.json'));
 * await model.save(fileSystemHandler('/tmp/mnist')); // writes /tmp/mnist/model.json and weights.bin
 * ```
 * @param location - `model.json`'s path or `file://` URL, or the folder that holds (or will hold) it.
 * @param options - a progress callback, size limits and an abort signal for loading.
 * @returns an IOHandler with `load` and `save`.
 */
export function fileSystemHandler(
  location: string | URL,
  options: FileSystemHandlerOptions = {},
): tf.io.IOHandler {
  const jsonPath = modelJsonPath(location);
  return {
    load: () => loadFromFolder(jsonPath, options),

    async save(artifacts) {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new NetlensError(
          'MODEL_LOAD',
          'fileSystemHandler saves JSON model topologies only; this model has a binary (protobuf) topology.',
        );
      }
      const weightData = artifacts.weightData;
      const hasWeights = artifacts.weightSpecs !== undefined && weightData !== undefined;
      const modelJson: Record<string, unknown> = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: hasWeights ? [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs }] : [],
        signature: artifacts.signature,
        userDefinedMetadata: artifacts.userDefinedMetadata,
        modelInitializer: artifacts.modelInitializer,
        initializerSignature: artifacts.initializerSignature,
        trainingConfig: artifacts.trainingConfig,
      };
      const folder = dirname(jsonPath);
      await mkdir(folder, { recursive: true });
      if (hasWeights) {
        const bytes = tf.io.concatenateArrayBuffers(Array.isArray(weightData) ? weightData : [weightData]);
        await writeFile(join(folder, WEIGHTS_FILE), new Uint8Array(bytes));
      }
      // JSON.stringify drops the undefined fields.
      await writeFile(jsonPath, JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}

let routerRegistered = false;

/**
 * Makes `file://` URLs work with tfjs' own loaders and savers (`tf.loadLayersModel('file://…')`,
 * `loadGraphModel`, `model.save('file://…')`) in Node by routing them to {@link fileSystemHandler}.
 * Without it, tfjs-core hands `file://` URLs to its HTTP handler and fails with a misleading
 * "fetch failed". Registering twice is harmless. netlens' own loaders do not need it.
 *
 * ```ts
 * registerFileRouter();
 * const model = await tf.loadLayersModel('file:///models/mnist/model.json');
 * ```
 */
export function registerFileRouter(): void {
  if (routerRegistered) return;
  routerRegistered = true;
  const router = (url: string | string[], loadOptions?: tf.io.LoadOptions) =>
    typeof url === 'string' && url.startsWith('file://')
      ? fileSystemHandler(url, loadOptions?.onProgress ? { onProgress: loadOptions.onProgress } : {})
      : (null as unknown as tf.io.IOHandler);
  tf.io.registerLoadRouter(router);
  tf.io.registerSaveRouter(router);
}
