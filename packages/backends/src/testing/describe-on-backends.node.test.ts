import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const vitestCli = createRequire(import.meta.url).resolve('vitest/vitest.mjs');

function runFixture(environment: Record<string, string>) {
  const result = spawnSync(
    process.execPath,
    [vitestCli, 'run', '--config', 'src/testing/__fixtures__/vitest.fixture.config.ts'],
    {
      cwd: packageDirectory,
      encoding: 'utf8',
      env: { ...process.env, NETLENS_REQUIRE_BACKENDS: '', NO_COLOR: '1', ...environment },
      timeout: 120_000,
    },
  );
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

describe('describeOnBackends', () => {
  it('fails a suite that ran on zero backends', () => {
    const { status, output } = runFixture({ NETLENS_TEST_BACKENDS: 'webgl,webgpu' });
    expect(status).not.toBe(0);
    expect(output).toContain("No backend could run 'a suite no backend can run'");
  });

  it('fails when a required backend is unavailable, and passes when the backends run', () => {
    const required = runFixture({ NETLENS_TEST_BACKENDS: 'cpu', NETLENS_REQUIRE_BACKENDS: 'cpu,webgl' });
    expect(required.status).not.toBe(0);
    expect(required.output).toContain('[webgl] is required (NETLENS_REQUIRE_BACKENDS) but unavailable');
    const fine = runFixture({ NETLENS_TEST_BACKENDS: 'cpu' });
    expect(fine.status).toBe(0);
    expect(fine.output).toMatch(/1 passed/);
  });
});
