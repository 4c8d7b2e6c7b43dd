import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';

describe('netlens backends', () => {
  it('lists every backend with whether it works here and why not', async () => {
    let output = '';
    const code = await runCli(['backends', '--json'], (text) => {
      output += text;
    });
    expect(code).toBe(0);
    const rows = JSON.parse(output) as { backend: string; works: boolean; detail: string }[];
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

  it('prints a table and fails on unknown commands', async () => {
    let output = '';
    const append = (text: string) => {
      output += text;
    };
    expect(await runCli(['frobnicate'], append)).toBe(1);
    expect(output).toContain("Unknown command 'frobnicate'");
    output = '';
    expect(await runCli(['backends'], append)).toBe(0);
    expect(output).toMatch(/^\| backend \| works here \| detail \|/);
    expect(output).toMatch(/\| cpu \| yes \|/);
  });
});
