import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { checkWeightBytes } from './weight-bytes';

/** Options for {@link fileSystemHandler}. */
export interface FileSystemHandlerOptions {
  /** Called with the fraction of files read (model.json and each weight file), ending at 1. */
  onProgress?: (fraction: number) => void;
}

const WEIGHTS_FILE = 'weights.bin';

/** `model.json`'s path for a path or `file://` URL naming either the file or its folder. */
export function modelJsonPath(location: string | URL): string {
  const path = location instanceof URL || location.startsWith('file://') ? fileURLToPath(location) : location;
  return resolve(path.endsWith('.json') ? path : join(path, 'model.json'));
}

const errorCode = (error: unknown) => (error as { code?: unknown } | null)?.code;

// Copies a Node Buffer's bytes into an ArrayBuffer of its own (a Buffer may view a shared pool).
const toArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;

async function readModelJson(path: string): Promise<tf.io.ModelJSON> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = errorCode(error) === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new NetlensError('MODEL_LOAD', `Model file ${path} ${reason}.`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new NetlensError('MODEL_LOAD', `Model file ${path} is not valid JSON.`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || !('modelTopology' in parsed)) {
    throw new NetlensError(
      'MODEL_LOAD',
      `Model file ${path} has no 'modelTopology': it is not a TensorFlow.js model.json.`,
    );
  }
  return parsed as tf.io.ModelJSON;
}

async function readWeightFile(path: string, jsonPath: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const reason = errorCode(error) === 'ENOENT' ? 'is missing' : 'cannot be read';
    throw new NetlensError(
      'MODEL_LOAD',
      `Weight file ${path}, listed in the weightsManifest of ${jsonPath}, ${reason}.`,
      { cause: error },
    );
  }
}

/**
 * A tfjs `IOHandler` that loads a model from `model.json` and the weight files its manifest lists
 * (relative to it), and saves one as `model.json` plus a single `weights.bin`. Node only. Built on
 * tfjs-core's public IO API, so it needs neither `@tensorflow/tfjs-node` nor a `file://` router.
 * Loading checks each weight group's byte count against its manifest and names the file and tensor
 * when one is short.
 *
 * ```ts
 * const model = await tf.loadLayersModel(fileSystemHandler('./models/mnist/model.json'));
 * await model.save(fileSystemHandler('/tmp/mnist')); // writes /tmp/mnist/model.json and weights.bin
 * ```
 * @param location - `model.json`'s path or `file://` URL, or the folder that holds (or will hold) it.
 * @param options - a progress callback for loading.
 * @returns an IOHandler with `load` and `save`.
 */
export function fileSystemHandler(
  location: string | URL,
  options: FileSystemHandlerOptions = {},
): tf.io.IOHandler {
  const jsonPath = modelJsonPath(location);
  const folder = dirname(jsonPath);
  return {
    async load() {
      const modelJson = await readModelJson(jsonPath);
      const groups = modelJson.weightsManifest ?? [];
      const totalFiles = 1 + groups.reduce((sum, group) => sum + group.paths.length, 0);
      let filesRead = 1;
      options.onProgress?.(filesRead / totalFiles);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          let groupBytes = 0;
          const paths = group.paths.map((path) => join(folder, path));
          for (const path of paths) {
            const bytes = await readWeightFile(path, jsonPath);
            groupBytes += bytes.byteLength;
            buffers.push(toArrayBuffer(bytes));
            filesRead += 1;
            options.onProgress?.(filesRead / totalFiles);
          }
          const where =
            paths.length === 1
              ? `Weight file ${paths[0]}`
              : `The weight files ${paths.join(', ')} (one group of ${jsonPath})`;
          checkWeightBytes(group.weights, groupBytes, where);
          specs.push(...group.weights);
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },

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
