import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import { describe, expect, it } from 'vitest';
import { captureIo } from './__fixtures__/capture-io';
import { CliError } from './internal/cli-error';
import { exitCodeOf, runCli } from './run-cli';

describe('netlens backends', () => {
  it('lists every backend with whether it works here and why not', async () => {
    const io = captureIo();
    expect(await runCli(['backends', '--json'], io)).toBe(0);
    const rows = JSON.parse(io.out) as { backend: string; works: boolean; detail: string }[];
    expect(rows.map((row) => row.backend)).toEqual([
      'webgpu',
      'webgl',
      'wasm',
      'cpu',
      'node-webgpu',
      'node',
      'node-gpu',
    ]);
    const byName = Object.fromEntries(rows.map((row) => [row.backend, row]));
    expect(byName.cpu?.works).toBe(true);
    expect(byName.wasm?.works).toBe(true);
    expect(byName.webgl).toMatchObject({ works: false, detail: expect.stringMatching(/browser/) });
    expect(byName['node-gpu']).toMatchObject({
      works: false,
      detail: expect.stringMatching(/not installed/),
    });
  });

  it('prints a table', async () => {
    const io = captureIo();
    expect(await runCli(['backends'], io)).toBe(0);
    expect(io.out).toMatch(/^\| backend \| works here \| detail \|/);
    expect(io.out).toMatch(/\| cpu \| yes \|/);
  });
});

describe('netlens', () => {
  it('exits 2 with the command list on unknown commands and options', async () => {
    let io = captureIo();
    expect(await runCli(['frobnicate'], io)).toBe(2);
    expect(io.err).toContain("unknown command 'frobnicate'");
    expect(io.err).toContain('saliency');
    io = captureIo();
    expect(await runCli(['saliency', '--colour', 'red'], io)).toBe(2);
    expect(io.err).toMatch(/Unknown option '--colour'/);
  });

  it('prints help with examples for every command', async () => {
    for (const command of ['saliency', 'backends']) {
      const io = captureIo();
      expect(await runCli([command, '--help'], io)).toBe(0);
      expect(io.out).toContain(`netlens ${command}`);
      expect(io.out).toContain('Examples:');
    }
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.out).toMatch(/Exit codes/);
  });
});

describe('exitCodeOf', () => {
  it('maps an algorithm refusing one of its options to 2 (a bad number on the command line), else 1', () => {
    expect(exitCodeOf(new InvalidArgumentError('options.learningRate', 'a finite number > 0', '0'))).toBe(2);
    // A refused image or model is not a command-line mistake.
    expect(exitCodeOf(new InvalidArgumentError('images', 'a rank-4 tensor', 'rank 3'))).toBe(1);
    expect(exitCodeOf(new NetlensError('MODEL_LOAD', 'broken'))).toBe(1);
    expect(exitCodeOf(new CliError('bad input', 3))).toBe(3);
    expect(exitCodeOf(new Error('anything else'))).toBe(1);
  });
});
