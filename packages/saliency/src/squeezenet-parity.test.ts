import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import { loadSqueezeNet11Weights, squeezeNet11 } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { gradCam } from './grad-cam';
import { gradientTimesInput } from './gradient-times-input';
import { integratedGradients } from './integrated-gradients';
import { vanillaGradient } from './vanilla-gradient';

// Vanilla gradient, gradient × input, Integrated Gradients and Grad-CAM on SqueezeNet 1.1 with the
// same (seeded torchvision) weights and pixels as PyTorch computes them (scripts/torch-reference.py).
const PYTHON = '/usr/bin/python3';
const CONVERTER = fileURLToPath(new URL('../../models/scripts/convert-squeezenet.py', import.meta.url));
const REFERENCE = fileURLToPath(new URL('../scripts/torch-reference.py', import.meta.url));
const torchProbe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
if (torchProbe.status !== 0 && process.env.CI === 'true')
  throw new Error('CI needs python3-torch for this parity test');

const directory = mkdtempSync(join(tmpdir(), 'netlens-saliency-parity-'));
const floats = (name: string) =>
  new Float32Array(new Uint8Array(readFileSync(join(directory, 'r', name))).buffer);
const run = (script: string, args: string[]) => {
  const result = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${script} failed:\n${result.stderr || result.error}`);
};

let weights: { weightSpecs: tf.io.WeightsManifestEntry[]; weightData: ArrayBuffer } | undefined;
let targets: number[] = [];

beforeAll(() => {
  if (torchProbe.status !== 0) return;
  run(CONVERTER, [
    '--random-seed',
    '0',
    '--out',
    join(directory, 'w'),
    '--dump-reference',
    join(directory, 'r'),
    '--size',
    '66',
    '--batch',
    '2',
  ]);
  run(REFERENCE, [join(directory, 'w'), join(directory, 'r')]);
  const manifest = JSON.parse(readFileSync(join(directory, 'w', 'model.json'), 'utf8'));
  const bytes = readFileSync(join(directory, 'w', 'weights.bin'));
  weights = {
    weightSpecs: manifest.weightsManifest[0].weights,
    weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  };
  targets = JSON.parse(readFileSync(join(directory, 'r', 'targets.json'), 'utf8')).targets;
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describeOnBackends('saliency methods on SqueezeNet 1.1 equal PyTorch', () => {
  it.skipIf(torchProbe.status !== 0)(
    'vanilla gradient, gradient × input, Integrated Gradients (8-point Gauss–Legendre) and Grad-CAM (fire9)',
    async () => {
      const model = squeezeNet11(loadSqueezeNet11Weights(weights!));
      await expectNoLeak(async () => {
        const images = tf.tensor4d(floats('input.bin'), [2, 66, 66, 3]);
        const vanilla = await vanillaGradient(model, images, { target: targets });
        await expectTensorsClose(vanilla, floats('vanilla.bin'));
        const predicted = await vanillaGradient(model, images);
        await expectTensorsClose(predicted, vanilla, { rtol: 0, atol: 0 });
        const gxi = await gradientTimesInput(model, images, { target: targets, channelReduction: 'none' });
        await expectTensorsClose(gxi, floats('gxi.bin'));
        const { attributions } = await integratedGradients(model, images, {
          target: targets,
          numSteps: 8,
          method: 'gausslegendre',
          baseline: 'black',
        });
        await expectTensorsClose(attributions, floats('ig.bin'));
        const cam = await gradCam(model, images, { target: targets, layer: 'fire9', upsample: false });
        expect(cam.shape).toEqual([2, 4, 4, 1]);
        await expectTensorsClose(cam, floats('gradcam.bin'));
        tf.dispose([images, vanilla, predicted, gxi, attributions, cam]);
      });
      model.dispose();
    },
  );
});
