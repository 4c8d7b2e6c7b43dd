import { NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { checkWeightBytes } from './internal/weight-bytes';

/** Weight specs plus their bytes, as in a tfjs `model.json` manifest and its `.bin` shards. */
export interface WeightArtifacts {
  /** The manifest entries, in the order their bytes appear in `weightData`. */
  weightSpecs: readonly tf.io.WeightsManifestEntry[];
  /** The concatenated bytes of every entry (one buffer, the shards in order, or a view of them). */
  weightData: ArrayBuffer | readonly ArrayBuffer[] | ArrayBufferView;
}

function toArrayBuffer(data: WeightArtifacts['weightData']): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer as ArrayBuffer;
  }
  if (Array.isArray(data)) return tf.io.concatenateArrayBuffers([...data]);
  throw new NetlensError(
    'MODEL_LOAD',
    `Weight data must be an ArrayBuffer or a view of one, got ${typeof data}.`,
  );
}

/**
 * Decodes SqueezeNet 1.1 weights (written by `scripts/convert-squeezenet.py`, or any tfjs weights
 * manifest with the same names) into tensors for {@link squeezeNet11}. The byte count is checked
 * against the specs first, so a truncated or padded `.bin` fails with the name of the first tensor
 * it cannot hold instead of producing garbage.
 *
 * ```ts
 * const manifest = JSON.parse(await readFile('model.json', 'utf8'));
 * const weights = loadSqueezeNet11Weights({
 *   weightSpecs: manifest.weightsManifest.flatMap((group) => group.weights),
 *   weightData: await readFile('weights.bin'),
 * });
 * const model = squeezeNet11(weights);
 * ```
 * @param artifacts - the manifest entries and their bytes.
 * @returns the tensors by name; the caller owns them (or hands them to `squeezeNet11`, which then does).
 * @throws NetlensError `MODEL_LOAD` when the bytes do not match the specs or a spec is unreadable.
 */
export function loadSqueezeNet11Weights(artifacts: WeightArtifacts): tf.NamedTensorMap {
  const specs = artifacts?.weightSpecs;
  if (!Array.isArray(specs)) {
    throw new NetlensError(
      'MODEL_LOAD',
      'SqueezeNet 1.1 weights need `weightSpecs`, an array of manifest entries.',
    );
  }
  const buffer = toArrayBuffer(artifacts.weightData);
  checkWeightBytes(specs, buffer.byteLength, 'SqueezeNet 1.1 weight data');
  try {
    return tf.io.decodeWeights(buffer, [...specs]);
  } catch (error) {
    throw new NetlensError('MODEL_LOAD', `Could not decode SqueezeNet 1.1 weights: ${String(error)}`, {
      cause: error,
    });
  }
}
