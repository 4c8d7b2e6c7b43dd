import { NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import type { CheckedGroup } from './limits';
import { checkWeightBytes } from './weight-bytes';

/** Parses an untrusted `model.json` text, naming it in every error. */
export function parseModelJson(text: string, label: string, requireTopology = true): tf.io.ModelJSON {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new NetlensError('MODEL_LOAD', `Model file ${label} is not valid JSON.`, { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new NetlensError('MODEL_LOAD', `Model file ${label} is not a JSON object.`);
  }
  if (requireTopology && !('modelTopology' in parsed)) {
    throw new NetlensError(
      'MODEL_LOAD',
      `Model file ${label} has no 'modelTopology': it is not a TensorFlow.js model.json.`,
    );
  }
  return parsed as tf.io.ModelJSON;
}

/** What one manifest group's files hold, read by a source-specific reader. */
export type GroupReader = (group: CheckedGroup, index: number) => Promise<Uint8Array[]>;

/**
 * Turns a parsed `model.json` into artifacts: reads each group of its manifest, already checked by
 * `checkManifest` before anything was fetched, with `readGroup`, and checks each group's bytes
 * against what its tensors need.
 *
 * @param describeGroup - names a group's files for messages.
 */
export async function artifactsFromModelJson(
  modelJson: tf.io.ModelJSON,
  groups: readonly CheckedGroup[],
  readGroup: GroupReader,
  describeGroup: (group: CheckedGroup) => string,
): Promise<tf.io.ModelArtifacts> {
  return tf.io.getModelArtifactsForJSON(modelJson, async () => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const [index, group] of groups.entries()) {
      const parts = await readGroup(group, index);
      const groupBytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
      checkWeightBytes(group.weights, groupBytes, describeGroup(group));
      for (const part of parts) {
        const whole = part.byteOffset === 0 && part.byteLength === part.buffer.byteLength;
        buffers.push(
          (whole
            ? part.buffer
            : part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength)) as ArrayBuffer,
        );
      }
      specs.push(...group.weights);
    }
    return [specs, tf.io.concatenateArrayBuffers(buffers)];
  });
}
