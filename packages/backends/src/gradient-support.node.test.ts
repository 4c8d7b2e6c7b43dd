import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { GradientSupportReport } from './gradient-support';

const packageDirectory = fileURLToPath(new URL('..', import.meta.url));
const vitestCli = createRequire(import.meta.url).resolve('vitest/vitest.mjs');
const folder = mkdtempSync(join(tmpdir(), 'netlens-gradient-support-'));

interface FixtureResult {
  active: string;
  selected: string;
  registeredBefore: string[];
  reports: Record<'convNet' | 'slicingNet', Record<'cpu' | 'wasm', GradientSupportReport>>;
}

/** Runs the fixture in a fresh Node process where only `backend` was set up through selectBackend. */
function runFixture(backend: 'cpu' | 'wasm'): FixtureResult {
  const output = join(folder, `${backend}.json`);
  const result = spawnSync(
    process.execPath,
    [vitestCli, 'run', '--config', 'src/__fixtures__/fresh-process.config.ts'],
    {
      cwd: packageDirectory,
      encoding: 'utf8',
      env: {
        ...process.env,
        NETLENS_FIXTURE_BACKEND: backend,
        NETLENS_FIXTURE_OUTPUT: output,
        NO_COLOR: '1',
      },
      timeout: 120_000,
    },
  );
  if (result.status !== 0)
    throw new Error(`fixture on ${backend} failed:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(readFileSync(output, 'utf8')) as FixtureResult;
}

/** What must not depend on which backend is active (workingBackends lists what is registered). */
const comparable = (report: GradientSupportReport) => ({
  backend: report.backend,
  kernels: report.kernels,
  gaps: report.gaps,
});

describe('checkGradientSupport in a fresh process with one backend set up', () => {
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('reports on the backend that is not set up what it reports when that backend is active', () => {
    const cpuOnly = runFixture('cpu');
    const wasmOnly = runFixture('wasm');
    // Each process really had only its own backend when the other was checked.
    expect(cpuOnly.active).toBe('cpu');
    expect(cpuOnly.registeredBefore).not.toContain('wasm');
    expect(wasmOnly.active).toBe('wasm');
    expect(wasmOnly.registeredBefore).not.toContain('cpu');

    for (const model of ['convNet', 'slicingNet'] as const) {
      expect(comparable(cpuOnly.reports[model].wasm), `${model} on wasm`).toEqual(
        comparable(wasmOnly.reports[model].wasm),
      );
      expect(comparable(wasmOnly.reports[model].cpu), `${model} on cpu`).toEqual(
        comparable(cpuOnly.reports[model].cpu),
      );
    }
    // The answers themselves: conv, scale-free batchNorm, depthwise conv and an overlapping max pool
    // differentiate on both (netlens' wasm backprop kernels and FusedBatchNorm inputs); a strided
    // slice, which tfjs-core cannot differentiate, is a gap on both, found from either process.
    const convNet = wasmOnly.reports.convNet.wasm;
    expect(convNet.kernels).toEqual(
      expect.arrayContaining(['Conv2D', 'FusedBatchNorm', 'DepthwiseConv2dNative', 'MaxPool']),
    );
    for (const backend of ['cpu', 'wasm'] as const) {
      expect(cpuOnly.reports.convNet[backend].gaps).toEqual([]);
      expect(wasmOnly.reports.convNet[backend].gaps).toEqual([]);
      for (const run of [cpuOnly, wasmOnly]) {
        expect(run.reports.slicingNet[backend].gaps).toEqual([
          { op: 'StridedSlice', reason: 'tfjs-core defines no gradient for it' },
        ]);
        expect(run.reports.slicingNet[backend].workingBackends).toEqual([]);
      }
      expect(cpuOnly.reports.convNet[backend].workingBackends).toContain(backend);
      expect(wasmOnly.reports.convNet[backend].workingBackends).toContain(backend);
    }
  });
});
