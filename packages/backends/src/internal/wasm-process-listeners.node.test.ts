import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./__fixtures__/host-failure.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'netlens-host-failure-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Compiles the wasm runtime entry for plain Node, with tfjs resolved to the files Node would load. */
async function compileRuntime(): Promise<string> {
  const require = createRequire(import.meta.url);
  const output = await build({
    entryPoints: [fileURLToPath(new URL('../runtimes/wasm.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-tfjs',
        setup(pluginBuild) {
          // Deep tfjs-core files are bundled, as the package build does (they are not plain-Node ESM).
          pluginBuild.onResolve({ filter: /^@tensorflow\/[^/]+$/ }, (resolveArgs) => ({
            path: pathToFileURL(require.resolve(resolveArgs.path)).href,
            external: true,
          }));
        },
      },
    ],
  });
  const file = join(scratch, 'wasm-runtime.mjs');
  writeFileSync(file, output.outputFiles[0]?.text ?? '');
  return pathToFileURL(file).href;
}

function host(mode: 'throw' | 'reject', runtimeUrl?: string) {
  const child = spawnSync(process.execPath, [FIXTURE, mode, ...(runtimeUrl ? [runtimeUrl] : [])], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(child.error).toBeUndefined();
  return { status: child.status, stderr: child.stderr };
}

describe('the wasm runtime leaves the host process its own failures', () => {
  let runtimeUrl: string;
  beforeAll(async () => {
    runtimeUrl = await compileRuntime();
  });

  it('without netlens, tfjs-backend-wasm turns an uncaught error into exit code 7 (the defect)', () => {
    const { status, stderr } = host('throw');
    expect(status).toBe(7);
    expect(stderr).toMatch(/tf-backend-wasm/);
  });

  it('an uncaught error exits with code 1 and the host message, with no trace into emscripten', () => {
    const { status, stderr } = host('throw', runtimeUrl);
    expect(status, stderr).toBe(1);
    expect(stderr).toContain('Error: the host program failed on its own');
    expect(stderr).not.toMatch(/tf-backend-wasm|ExitStatus|emscripten/);
  });

  it("an unhandled rejection gets Node's default: exit code 1 with the rejection's error", () => {
    const { status, stderr } = host('reject', runtimeUrl);
    expect(status, stderr).toBe(1);
    expect(stderr).toContain('Error: the host program rejected on its own');
    expect(stderr).not.toMatch(/tf-backend-wasm/);
  });
});
