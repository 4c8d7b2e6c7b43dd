import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';

const folder = mkdtempSync(join(tmpdir(), 'netlens-cli-classviz-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('netlens classviz', () => {
  it('makes images the model assigns to their class, with the step strip and a GIF', async () => {
    const io = captureIo();
    const out = join(folder, 'viz');
    const code = await runCli(
      ['classviz', '--class', '3,8', '--gif', '--backend', 'wasm', '--out', out, '--json'],
      io,
    );
    expect(io.err).toBe('');
    expect(code).toBe(0);
    const result = JSON.parse(io.out) as {
      rows: {
        targetClass: number;
        probability: number;
        predicted: number;
        objectiveStart: number;
        objectiveEnd: number;
      }[];
    };
    expect(result.rows.map((row) => [row.targetClass, row.predicted])).toEqual([
      [3, 3],
      [8, 8],
    ]);
    for (const row of result.rows) {
      expect(row.probability).toBeGreaterThan(0.9);
      expect(row.objectiveEnd - row.objectiveStart).toBeGreaterThan(5);
    }
    expect(readdirSync(out).sort()).toEqual([
      'class-3.png',
      'class-8.png',
      'classviz-steps.png',
      'classviz.gif',
      'classviz.png',
    ]);
    const gif = readFileSync(join(out, 'classviz.gif'));
    expect(gif.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    // 10 snapshots of 100 steps: ten image descriptors (0x2c after a graphic control block).
    expect(gif.toString('latin1').split('\u0021\u00f9\u0004').length - 1).toBe(10);
  });

  it('rejects unknown classes and non-positive step counts with exit code 2', async () => {
    for (const [args, message] of [
      [['--class', '3,11'], /--class: class 11 is out of range/],
      [['--iterations', '0'], /--iterations: expected an integer ≥ 1, got '0'/],
      [['--l2-reg=-1'], /--l2-reg: expected a number ≥ 0/],
      [['--learning-rate', '0'], /--learning-rate: expected a number > 0, got '0'/],
      [['--timeout', 'soon'], /--timeout: expected a number > 0 and ≤ 86400, got 'soon'/],
    ] as const) {
      const io = captureIo();
      expect(await runCli(['classviz', '--backend', 'cpu', ...args], io)).toBe(2);
      expect(io.err).toMatch(message);
    }
  });
});
