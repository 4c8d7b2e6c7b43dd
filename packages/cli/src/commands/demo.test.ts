import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { decodeImage } from '@netlens/image/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';

const folder = mkdtempSync(join(tmpdir(), 'netlens-cli-demo-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

describe('netlens demo', () => {
  it('writes valid, non-constant PNGs of the expected sizes and a self-contained report', async () => {
    const io = captureIo();
    const code = await runCli(['demo', '--backend', 'wasm', '--out', folder, '--json'], io);
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(io.out) as {
      backend: string;
      timings: Record<string, number>;
      files: { path: string; description: string }[];
    };
    expect(result.backend).toBe('wasm');
    expect(Object.keys(result.timings)).toEqual(
      expect.arrayContaining(['saliency', 'fooling images', 'class visualization', 'captioning']),
    );
    const pngs = result.files.filter((file) => file.path.endsWith('.png'));
    expect(pngs.length).toBeGreaterThanOrEqual(61 + 11 + 12 + 6);
    const before = tf.memory().numTensors;
    for (const file of pngs) {
      const bytes = readFileSync(isAbsolute(file.path) ? file.path : resolve(file.path));
      expect([...bytes.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
      const image = await decodeImage(bytes);
      const [height, width] = image.shape.slice(1) as [number, number];
      if (file.path.endsWith('saliency.png')) {
        expect(width).toBeGreaterThan(7 * 112);
        expect(height).toBeGreaterThan(10 * 112);
      } else if (file.path.endsWith('fooling.png')) {
        expect(width).toBeGreaterThan(6 * 112);
        expect(height).toBeGreaterThan(5 * 112);
      } else if (file.path.endsWith('classviz.png')) {
        expect(width).toBeGreaterThan(10 * 112);
      } else if (file.path.endsWith('classviz-steps.png')) {
        expect([height > 10 * 112, width > 10 * 112]).toEqual([true, true]);
      } else if (/class-\d\.png$/.test(file.path)) {
        expect([height, width]).toEqual([112, 112]);
      } else if (file.path.endsWith('captions.png') || file.path.endsWith('-words.png')) {
        expect(width).toBeGreaterThan(224);
      } else if (file.path.endsWith('-fooled.png')) {
        expect([height, width]).toEqual([112 + 4, 3 * 112 + 8]);
      } else {
        expect([height, width]).toEqual([28, 28]);
      }
      const spread = tf.tidy(() => tf.sub(tf.max(image), tf.min(image)));
      expect((await spread.data())[0]).toBeGreaterThan(0.2);
      tf.dispose([spread, image]);
    }
    expect(tf.memory().numTensors).toBe(before);
    const report = readFileSync(join(folder, 'report.html'), 'utf8');
    expect(report).toContain('<h2>Saliency maps</h2>');
    expect(report).toMatch(/<h2>Fooling images<\/h2><p>[^<]*10 of 10 digits fooled/);
    expect(report).toMatch(/<h2>Class visualization<\/h2><p>[^<]*assigns 10 of 10 images to their digit/);
    expect(report).toMatch(/<h2>Captions with word saliency<\/h2>/);
    expect(report).toMatch(/<th>strip-1135<\/th><td>[^<]*one[^<]*one[^<]*three[^<]*five/);
    expect(readFileSync(join(folder, 'classviz.gif')).subarray(0, 6).toString('latin1')).toBe('GIF89a');
    expect(report).toMatch(/src="data:image\/png;base64,iVBORw0KGgo/);
    expect(report).not.toMatch(/<script|https?:\/\//);
  });
});
