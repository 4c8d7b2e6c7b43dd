import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readImage } from '@netlens/image/node';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';

const folder = mkdtempSync(join(tmpdir(), 'netlens-cli-fool-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const sample = (digit: number) =>
  fileURLToPath(new URL(`../../../models/assets/samples/mnist-${digit}.png`, import.meta.url));

describe('netlens fool', () => {
  it('makes fooling images the model classifies as the target, with their pictures', async () => {
    const io = captureIo();
    const out = join(folder, 'fooled');
    const args = ['fool', '--image', sample(3), '--image', sample(7), '--target', '8', '--backend', 'wasm'];
    expect(await runCli([...args, '--out', out, '--json'], io)).toBe(0);
    const result = JSON.parse(io.out) as {
      rows: { image: string; predicted: number; target: number; success: boolean; iterations: number }[];
    };
    expect(result.rows.map((row) => [row.image, row.predicted, row.target, row.success])).toEqual([
      ['mnist-3', 3, 8, true],
      ['mnist-7', 7, 8, true],
    ]);
    expect(readdirSync(out).sort()).toEqual(['fooling.png', 'mnist-3-fooled.png', 'mnist-7-fooled.png']);
    // The middle third of the triptych is the fooling image: read it back and classify it.
    const before = tf.memory().numTensors;
    const model = mnistClassifier();
    const triptych = await readImage(join(out, 'mnist-3-fooled.png'), { colorMode: 'grayscale' });
    const [, height, width] = triptych.shape;
    const cell = (width - 4 * 2) / 3;
    expect(height).toBe(cell + 4);
    const predicted = tf.tidy(() => {
      const fooling = tf.slice(triptych, [0, 2, 2 + cell + 2, 0], [1, cell, cell, 1]);
      return tf.argMax(model.logits(tf.image.resizeBilinear(fooling, [28, 28]) as tf.Tensor4D), 1);
    });
    expect((await predicted.data())[0]).toBe(8);
    tf.dispose([predicted, triptych]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad targets and iteration counts with exit code 2', async () => {
    for (const [args, message] of [
      [['--target', '12'], /--target: class 12 is out of range/],
      [['--max-iterations', '0'], /--max-iterations: expected an integer ≥ 1, got '0'/],
      [['--learning-rate', 'fast'], /--learning-rate: expected a number > 0, got 'fast'/],
      // 0 and negative steps are refused by the command line, not by the attack after loading.
      [['--learning-rate', '0'], /--learning-rate: expected a number > 0, got '0'/],
      [['--learning-rate=-1'], /--learning-rate: expected a number > 0, got '-1'/],
      [['--learning-rate', 'Infinity'], /--learning-rate: expected a number > 0, got 'Infinity'/],
      [['--timeout', '0'], /--timeout: expected a number > 0 and ≤ 86400, got '0'/],
    ] as const) {
      const io = captureIo();
      expect(await runCli(['fool', '--backend', 'cpu', ...args], io)).toBe(2);
      expect(io.err).toMatch(message);
    }
  });
});
