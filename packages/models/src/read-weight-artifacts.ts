import type * as tf from '@tensorflow/tfjs-core';
import { type FileSystemHandlerOptions, loadFromFolder, modelJsonPath } from './internal/file-io';
import type { WeightArtifacts } from './squeezenet-weights';

/**
 * Reads a weights-only `model.json` (a `weightsManifest` and its `.bin` files, as
 * `scripts/convert-squeezenet.py` writes) into weight specs and bytes for `loadSqueezeNet11Weights`.
 * Node only. The manifest is treated as untrusted, exactly as `fileSystemHandler` treats it: weight
 * files must be regular files inside the folder of `model.json` (no `..`, absolute paths or links that
 * lead out), their sizes are checked with `stat` against the manifest before a byte is read, and
 * `model.json` and the weights are size-capped. Errors are `NetlensError`s with code `'MODEL_LOAD'`
 * that never describe files outside the folder.
 *
 * ```ts
 * import { loadSqueezeNet11Weights, squeezeNet11 } from '@netlens/models';
 * import { readWeightArtifacts } from '@netlens/models/node';
 * const model = squeezeNet11(loadSqueezeNet11Weights(await readWeightArtifacts('./squeezenet/model.json')));
 * ```
 * @param location - `model.json`'s path or `file://` URL, or its folder.
 * @param options - size limits (defaults 32 MiB for `model.json`, 1 GiB of weights), an abort signal
 *   and a progress callback.
 * @returns the manifest's entries in order and their bytes, one buffer.
 */
export async function readWeightArtifacts(
  location: string | URL,
  options: FileSystemHandlerOptions = {},
): Promise<WeightArtifacts> {
  const artifacts = await loadFromFolder(modelJsonPath(location), options, false);
  return {
    weightSpecs: (artifacts.weightSpecs ?? []) as tf.io.WeightsManifestEntry[],
    weightData: (artifacts.weightData ?? new ArrayBuffer(0)) as ArrayBuffer,
  };
}
