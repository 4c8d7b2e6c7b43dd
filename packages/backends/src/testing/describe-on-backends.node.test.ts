import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDirectory = fileURLToPath(new URL('../..', import.meta.url));
const vitestCli = createRequire(import.meta.url).resolve('vitest/vitest.mjs');

// Asynchronous, so this worker keeps answering Vitest's RPC while the child runs (a blocking spawn of
// 30 s on a busy machine times out its task updates).
function runFixture(environment: Record<string, string>): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [vitestCli, 'run', '--config', 'src/testing/__fixtures__/vitest.fixture.config.ts'],
      {
        cwd: packageDirectory,
        encoding: 'utf8',
        env: { ...process.env, NETLENS_REQUIRE_BACKENDS: '', NO_COLOR: '1', ...environment },
        timeout: 120_000,
      },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ status, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe('describeOnBackends', () => {
  it('fails a suite that ran on zero backends', async () => {
    const { status, output } = await runFixture({ NETLENS_TEST_BACKENDS: 'webgl,webgpu' });
    expect(status).not.toBe(0);
    expect(output).toContain("No backend could run 'a suite no backend can run'");
  });

  it('fails when a required backend is unavailable, and passes when the backends run', async () => {
    const required = await runFixture({
      NETLENS_TEST_BACKENDS: 'cpu',
      NETLENS_REQUIRE_BACKENDS: 'cpu,webgl',
    });
    expect(required.status).not.toBe(0);
    expect(required.output).toContain('[webgl] is required (NETLENS_REQUIRE_BACKENDS) but unavailable');
    const fine = await runFixture({ NETLENS_TEST_BACKENDS: 'cpu' });
    expect(fine.status).toBe(0);
    expect(fine.output).toMatch(/1 passed/);
  });

  it('reports a run narrowed to backends a suite excludes as its exclusions, required or not', async () => {
    // CI requires node-webgpu in `npm run test:webgpu`, where suites that exclude it must not fail.
    const narrowed = await runFixture({ NETLENS_TEST_BACKENDS: 'cpu', NETLENS_REQUIRE_BACKENDS: 'cpu' });
    expect(narrowed.status).toBe(0);
    expect(narrowed.output).not.toContain("No backend could run 'a suite that excludes cpu'");
    // An unavailable backend that the suite does not exclude still makes zero runs a failure.
    const unavailable = await runFixture({ NETLENS_TEST_BACKENDS: 'cpu,webgl' });
    expect(unavailable.status).not.toBe(0);
    expect(unavailable.output).toContain("No backend could run 'a suite that excludes cpu'");
  });
});
