import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededValues } from '@netlens/backends';
import { readImage } from '@netlens/image/node';
import { SQUEEZENET11_WEIGHT_SHAPES } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';

const folder = mkdtempSync(join(tmpdir(), 'netlens-cli-saliency-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('netlens saliency', () => {
  it('writes a heatmap per image and method and a grid, each a real picture that differs from its input', async () => {
    const io = captureIo();
    const out = join(folder, 'maps');
    const code = await runCli(
      ['saliency', '--method', 'vanilla,gradcam', '--backend', 'wasm', '--out', out, '--json'],
      io,
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(io.out) as { backend: string; files: { path: string }[]; timings: unknown[] };
    expect(result.backend).toBe('wasm');
    expect(result.timings).toHaveLength(2);
    const written = readdirSync(out).sort();
    expect(written).toHaveLength(10 * 2 + 1);
    expect(written).toContain('mnist-3-gradcam.png');
    expect(written).toContain('saliency.png');

    const before = tf.memory().numTensors;
    const input = await readImage(new URL('../../../models/assets/samples/mnist-3.png', import.meta.url));
    for (const method of ['vanilla', 'gradcam']) {
      const picture = await readImage(join(out, `mnist-3-${method}.png`));
      expect(picture.shape).toEqual([1, 28, 28, 3]);
      const [spread, difference] = await Promise.all(
        tf
          .tidy(() => [tf.sub(tf.max(picture), tf.min(picture)), tf.mean(tf.abs(tf.sub(picture, input)))])
          .map(async (t) => {
            const [value] = await t.data();
            t.dispose();
            return value as number;
          }),
      );
      expect(spread).toBeGreaterThan(0.3);
      expect(difference).toBeGreaterThan(0.05);
      picture.dispose();
    }
    const sheet = await readImage(join(out, 'saliency.png'));
    expect(sheet.shape[1]).toBeGreaterThan(10 * 112);
    sheet.dispose();
    input.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('moves the progress bar as the chunks of a chunked method finish', async () => {
    const io = captureIo();
    io.interactive = true;
    const out = join(folder, 'progress');
    const code = await runCli(['saliency', '--method', 'smoothgrad', '--backend', 'wasm', '--out', out], io);
    expect(code).toBe(0);
    // On a terminal the bar is redrawn at every update: SmoothGrad's first chunk (one noisy copy,
    // measured to size the rest) is shown before the method has finished.
    const frames = io.err.split('\r').map((frame) => frame.replace('\u001b[K', '').trim());
    const first = frames.findIndex((frame) => /^saliency \[#?-+\]\s+4% smoothgrad 1\/25$/.test(frame));
    const last = frames.findIndex((frame) => /100% smoothgrad 25\/25$/.test(frame));
    expect(first).toBeGreaterThan(0);
    expect(last).toBeGreaterThan(first);
  });

  it('loads SqueezeNet 1.1 from a weights-only model.json, as convert-squeezenet.py writes it', async () => {
    const weightsFolder = join(folder, 'squeezenet');
    mkdirSync(weightsFolder);
    const specs = Object.entries(SQUEEZENET11_WEIGHT_SHAPES).map(([name, shape]) => ({
      name,
      shape: [...shape],
      dtype: 'float32' as const,
    }));
    const sizes = specs.map((spec) => spec.shape.reduce((a, b) => a * b, 1));
    const values = seededValues(
      sizes.reduce((a, b) => a + b, 0),
      3,
      -0.05,
      0.05,
    );
    writeFileSync(join(weightsFolder, 'weights.bin'), new Uint8Array(values.buffer));
    writeFileSync(
      join(weightsFolder, 'model.json'),
      JSON.stringify({ weightsManifest: [{ paths: ['weights.bin'], weights: specs }] }),
    );
    const io = captureIo();
    const out = join(folder, 'squeezenet-maps');
    const code = await runCli(
      [
        'saliency',
        '--model',
        'squeezenet',
        '--weights',
        join(weightsFolder, 'model.json'),
        '--method',
        'gradcam',
        '--image',
        fileURLToPath(new URL('../../../models/assets/samples/chelsea.png', import.meta.url)),
        '--backend',
        'wasm',
        '--out',
        out,
      ],
      io,
    );
    expect(io.err).not.toMatch(/netlens saliency:/);
    expect(io.err).toMatch(/saliency \[#+\] 100%/);
    expect(code).toBe(0);
    const before = tf.memory().numTensors;
    const picture = await readImage(join(out, 'chelsea-gradcam.png'));
    expect(picture.shape).toEqual([1, 224, 224, 3]);
    picture.dispose();
    expect(tf.memory().numTensors).toBe(before);
    writeFileSync(
      join(weightsFolder, 'broken.json'),
      JSON.stringify({ weightsManifest: [{ paths: ['weights.bin'], weights: specs.slice(1) }] }),
    );
    const broken = captureIo();
    expect(
      await runCli(
        [
          'saliency',
          '--model',
          'squeezenet',
          '--weights',
          join(weightsFolder, 'broken.json'),
          '--backend',
          'cpu',
        ],
        broken,
      ),
    ).toBe(3);
    expect(broken.err).toMatch(/--weights: cannot load .*broken\.json/);
  });

  it('names the argument and exits 2 or 3 on bad command lines and inputs', async () => {
    const cases: [string[], number, RegExp][] = [
      [['--method', 'magic'], 2, /--method: unknown 'magic'; choose from vanilla/],
      [['--target', '10'], 2, /--target: class 10 is out of range; the model has classes 0…9/],
      [['--target', 'giraffe'], 2, /--target: unknown class 'giraffe'/],
      [['--backend', 'tpu'], 2, /--backend: unknown backend 'tpu'/],
      [['--seed=-1'], 2, /--seed: expected an integer ≥ 0, got '-1'/],
      [['--seed', '1.5'], 2, /--seed: expected an integer ≥ 0, got '1.5'/],
      [['--image', join(folder, 'missing.png')], 3, /--image: no file at .*missing\.png/],
      [['--image', join(folder, 'not-an-image.png')], 3, /--image: cannot read .*not-an-image\.png/],
      [['--model', 'squeezenet'], 2, /--model squeezenet needs --weights/],
      [['--model', join(folder, 'nowhere', 'model.json')], 3, /--model: .*no such file/],
    ];
    writeFileSync(join(folder, 'not-an-image.png'), 'hello');
    const before = tf.memory().numTensors;
    for (const [args, exitCode, message] of cases) {
      const io = captureIo();
      expect(await runCli(['saliency', '--backend', 'cpu', '--out', join(folder, 'bad'), ...args], io)).toBe(
        exitCode,
      );
      expect(io.err).toMatch(message);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
