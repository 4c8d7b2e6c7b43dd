import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePng } from '@netlens/image/node';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';
import { exampleStrips } from './caption';

const folder = mkdtempSync(join(tmpdir(), 'netlens-cli-caption-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('netlens caption', () => {
  it('captions the bundled strips with their digits, left to right, and explains each word', async () => {
    const io = captureIo();
    const out = join(folder, 'captions');
    expect(await runCli(['caption', '--backend', 'wasm', '--out', out, '--json'], io)).toBe(0);
    expect(io.err).toBe('');
    const result = JSON.parse(io.out) as {
      rows: { image: string; caption: string; explainedWords: string[] }[];
    };
    expect(result.rows.map((row) => row.image)).toEqual([
      'strip-7_63',
      'strip-89_0',
      'strip-_42_',
      'strip-1135',
      'strip-__9_',
    ]);
    const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    let correct = 0;
    for (const row of result.rows) {
      // The digits of the strip's name, in order, must be the digit words of the caption, in order.
      const digits = [...row.image.replace('strip-', '')]
        .filter((c) => c !== '_')
        .map((c) => WORDS[Number(c)]);
      const count = ['one', 'two', 'three', 'four'][digits.length - 1];
      const words = row.caption.split(' ');
      const named = words.filter((word, i) => WORDS.includes(word) && i > 0 && words[i - 1] !== 'of');
      if (words[0] === count || words.includes(count as string))
        correct += Number(JSON.stringify(named) === JSON.stringify(digits));
      expect(row.explainedWords.length).toBeGreaterThan(digits.length - 1);
    }
    expect(correct).toBeGreaterThanOrEqual(4);
    expect(readdirSync(out)).toContain('captions.png');
    expect(readdirSync(out).filter((name) => name.endsWith('-words.png'))).toHaveLength(5);
  });

  it('reads a strip from a PNG file, and checks the beam width', async () => {
    const before = tf.memory().numTensors;
    const { images, names } = await exampleStrips();
    const one = tf.slice(images, [0, 0, 0, 0], [1, -1, -1, -1]);
    const path = join(folder, 'mine.png');
    writeFileSync(path, encodePng(one));
    tf.dispose([images, one]);
    expect(tf.memory().numTensors).toBe(before);
    const io = captureIo();
    expect(
      await runCli(
        [
          'caption',
          '--image',
          path,
          '--beam-width',
          '3',
          '--no-explain',
          '--backend',
          'cpu',
          '--out',
          join(folder, 'mine'),
          '--json',
        ],
        io,
      ),
    ).toBe(0);
    const result = JSON.parse(io.out) as {
      rows: { image: string; caption: string; explainedWords: string[] }[];
    };
    expect(names[0]).toBe('strip-7_63');
    expect(result.rows[0]?.caption).toMatch(/seven.*six.*three/);
    expect(result.rows[0]?.explainedWords).toEqual([]);
    const bad = captureIo();
    expect(await runCli(['caption', '--beam-width', '0', '--backend', 'cpu'], bad)).toBe(2);
    expect(bad.err).toMatch(/--beam-width: expected an integer in \[1, 32\], got '0'/);
  });
});
