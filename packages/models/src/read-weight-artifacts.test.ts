import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NetlensError } from '@netlens/backends';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_VALUES, PROBE_WEIGHTS, probeWeightBytes } from './__fixtures__/probe-model';
import { readWeightArtifacts } from './read-weight-artifacts';

describe('readWeightArtifacts', () => {
  let root: string;

  const folder = async (name: string, paths: string[], files: Record<string, Uint8Array> = {}) => {
    const path = join(root, name);
    await mkdir(path, { recursive: true });
    // Weights-only, as convert-squeezenet.py writes: no modelTopology.
    await writeFile(
      join(path, 'model.json'),
      JSON.stringify({ format: 'netlens-weights', weightsManifest: [{ paths, weights: PROBE_WEIGHTS }] }),
    );
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(path, file), bytes);
    return path;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'netlens-weights-'));
    await writeFile(join(root, 'secret.bin'), probeWeightBytes());
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('reads a weights-only model.json into specs and the exact bytes', async () => {
    const path = await folder('good', ['weights.bin'], { 'weights.bin': probeWeightBytes() });
    const artifacts = await readWeightArtifacts(path);
    expect(artifacts.weightSpecs).toEqual(PROBE_WEIGHTS);
    expect(Array.from(new Float32Array(artifacts.weightData as ArrayBuffer))).toEqual(PROBE_VALUES);
  });

  it('refuses weight paths outside the folder, as loadClassifier does', async () => {
    const dotdot = await folder('dotdot', ['../secret.bin']);
    const linked = await folder('linked', ['weights.bin']);
    await symlink(join(root, 'secret.bin'), join(linked, 'weights.bin'));
    for (const path of [dotdot, linked]) {
      const error = await readWeightArtifacts(path).then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(NetlensError);
      expect((error as NetlensError).message).toContain(
        "weight files must be regular files inside the model's folder",
      );
      expect((error as NetlensError).message).not.toContain(join(root, 'secret.bin'));
    }
  });
});
