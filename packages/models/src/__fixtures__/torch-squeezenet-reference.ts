import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WeightArtifacts } from '../squeezenet-weights';

const PYTHON = '/usr/bin/python3';
const CONVERTER = fileURLToPath(new URL('../../scripts/convert-squeezenet.py', import.meta.url));

/** Seeded SqueezeNet 1.1 weights, a pixel batch and what a package's PyTorch script made of them. */
export interface TorchSqueezeNetReference {
  /** Whether torch and torchvision import here (CI must have them: the fixture throws there otherwise). */
  available: boolean;
  /** Converts seeded torchvision weights, dumps the batch and runs the reference script (in `beforeAll`). */
  prepare(): void;
  /** The weights as netlens loads them (`loadSqueezeNet11Weights`). */
  weights(): WeightArtifacts;
  /** A float32 file of the reference folder (`input.bin` is the NHWC pixel batch). */
  floats(name: string): Float32Array;
  /** A JSON file of the reference folder. */
  json<T>(name: string): T;
  /** Removes the temporary folders (in `afterAll`). */
  dispose(): void;
}

/**
 * The shared harness of the algorithm packages' PyTorch parity tests: `convert-squeezenet.py
 * --random-seed 0` writes netlens-format weights and a seeded pixel batch of `size`², then
 * `referenceScript WEIGHTS_DIR REFERENCE_DIR` (which reads them with `scripts/netlens_squeezenet.py`)
 * writes its results beside them.
 */
export function torchSqueezeNetReference(options: {
  referenceScript: string | URL;
  size: number;
  batch: number;
}): TorchSqueezeNetReference {
  const probe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0 && process.env.CI === 'true') {
    throw new Error('CI needs python3-torch for the parity tests');
  }
  const directory = mkdtempSync(join(tmpdir(), 'netlens-torch-parity-'));
  const run = (script: string, args: string[]) => {
    const result = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${script} failed:\n${result.stderr || result.error}`);
  };
  const script =
    typeof options.referenceScript === 'string'
      ? options.referenceScript
      : fileURLToPath(options.referenceScript);
  return {
    available: probe.status === 0,
    prepare() {
      if (probe.status !== 0) return;
      const [weights, reference] = [join(directory, 'w'), join(directory, 'r')];
      run(CONVERTER, [
        '--random-seed',
        '0',
        '--out',
        weights,
        '--dump-reference',
        reference,
        '--size',
        String(options.size),
        '--batch',
        String(options.batch),
      ]);
      run(script, [weights, reference]);
    },
    weights() {
      const manifest = JSON.parse(readFileSync(join(directory, 'w', 'model.json'), 'utf8'));
      const bytes = readFileSync(join(directory, 'w', 'weights.bin'));
      return {
        weightSpecs: manifest.weightsManifest[0].weights,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
    floats: (name) => new Float32Array(new Uint8Array(readFileSync(join(directory, 'r', name))).buffer),
    json: (name) => JSON.parse(readFileSync(join(directory, 'r', name), 'utf8')),
    dispose: () => rmSync(directory, { recursive: true, force: true }),
  };
}
