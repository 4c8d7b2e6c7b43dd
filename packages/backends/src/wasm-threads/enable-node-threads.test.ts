import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { enableWasmThreadsInNode, MAX_WASM_THREADS } from './enable-node-threads';

// The wasm backend picks its build once per process, so these tests run in order: the
// "before initialisation" cases first, then the one initialisation, then what follows it.

const WORKLOAD = {
  matMul: { a: [1024, 1024], b: [1024, 1024], seeds: [1, 2] },
  conv2d: { x: [5, 55, 55, 16], filter: [3, 3, 16, 64], strides: 1, pad: 'same' },
} as const;
const CONV_SEEDS = [3, 4] as const;
const FIXTURE = fileURLToPath(new URL('./__fixtures__/wasm-workload.mjs', import.meta.url));
const cores = availableParallelism();
const expectedThreads = Math.min(cores, MAX_WASM_THREADS);

interface WorkloadRun {
  threads: number;
  reason: string;
  matMul: Float32Array;
  conv2d: Float32Array;
}

/** Runs the workload fixture in a fresh Node process; fails if that process does not exit on its own. */
function runWorkload(enableModuleUrl?: string): WorkloadRun {
  const workload = JSON.stringify({ ...WORKLOAD, conv2d: { ...WORKLOAD.conv2d, seeds: CONV_SEEDS } });
  const args = [FIXTURE, workload, ...(enableModuleUrl === undefined ? [] : [enableModuleUrl])];
  const child = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  expect(child.error, child.stderr).toBeUndefined();
  expect(child.status, child.stderr).toBe(0);
  const parsed = JSON.parse(child.stdout) as {
    threads: number;
    reason: string;
    matMul: string;
    conv2d: string;
  };
  const floats = (base64: string): Float32Array => {
    const bytes = Buffer.from(base64, 'base64');
    return new Float32Array(
      bytes.buffer,
      bytes.byteOffset,
      bytes.byteLength / Float32Array.BYTES_PER_ELEMENT,
    );
  };
  return { ...parsed, matMul: floats(parsed.matMul), conv2d: floats(parsed.conv2d) };
}

/** Number of positions where the two arrays differ bit for bit (NaN compares by bits too). */
function countBitDifferences(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  const left = new Uint32Array(actual.buffer, actual.byteOffset, actual.length);
  const right = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  let differences = 0;
  for (let i = 0; i < left.length; i++) if (left[i] !== right[i]) differences++;
  return differences;
}

const scratch = mkdtempSync(join(tmpdir(), 'netlens-wasm-threads-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Compiles the module under test for plain Node, with tfjs resolved to the files Node would load. */
async function compileForPlainNode(): Promise<string> {
  const require = createRequire(import.meta.url);
  const output = await build({
    entryPoints: [fileURLToPath(new URL('./enable-node-threads.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [
      {
        name: 'external-tfjs',
        setup(pluginBuild) {
          pluginBuild.onResolve({ filter: /^@tensorflow\// }, (resolveArgs) => ({
            path: pathToFileURL(require.resolve(resolveArgs.path)).href,
            external: true,
          }));
        },
      },
    ],
  });
  const file = join(scratch, 'enable-node-threads.mjs');
  writeFileSync(file, output.outputFiles[0]?.text ?? '');
  return pathToFileURL(file).href;
}

describe('enableWasmThreadsInNode', () => {
  it('rejects a thread count that is not a positive integer, without throwing', async () => {
    await expect(enableWasmThreadsInNode({ threads: 0 })).resolves.toEqual({
      threads: 1,
      reason: expect.stringMatching(/positive integer/),
    });
    await expect(enableWasmThreadsInNode({ threads: 1.5 })).resolves.toMatchObject({ threads: 1 });
  });

  it.runIf(cores >= 2)('runs the wasm backend on every core (up to the build limit)', async () => {
    const result = await enableWasmThreadsInNode();
    expect(result.threads).toBe(expectedThreads);

    expect(await tf.setBackend('wasm')).toBe(true);
    expect(tf.getBackend()).toBe('wasm');
    expect(getThreadsCount()).toBe(expectedThreads);
  });

  it.runIf(cores >= 2)('computes matMul and conv2d bit for bit like the single-threaded build', async () => {
    // Same XNNPACK kernels, and each output element is reduced by one thread in the same order, so
    // the results are identical, not merely close: the tolerance is zero.
    const reference = runWorkload();
    expect(reference.threads).toBe(1);

    const before = tf.memory().numTensors;
    const outputs = tf.tidy(() => {
      const { matMul, conv2d } = WORKLOAD;
      const a = tf.randomUniform([...matMul.a], -1, 1, 'float32', matMul.seeds[0]);
      const b = tf.randomUniform([...matMul.b], -1, 1, 'float32', matMul.seeds[1]);
      const x = tf.randomUniform([...conv2d.x], -1, 1, 'float32', CONV_SEEDS[0]) as tf.Tensor4D;
      const filter = tf.randomUniform([...conv2d.filter], -1, 1, 'float32', CONV_SEEDS[1]) as tf.Tensor4D;
      return [tf.matMul(a, b), tf.conv2d(x, filter, conv2d.strides, conv2d.pad)];
    });
    const [matMul, conv2d] = (await Promise.all(outputs.map((tensor) => tensor.data()))) as Float32Array[];
    tf.dispose(outputs);
    expect(tf.memory().numTensors).toBe(before);

    expect(getThreadsCount()).toBeGreaterThan(1);
    expect(matMul?.length).toBe(1024 * 1024);
    expect(conv2d?.length).toBe(5 * 55 * 55 * 64);
    expect(countBitDifferences(matMul ?? new Float32Array(), reference.matMul)).toBe(0);
    expect(countBitDifferences(conv2d ?? new Float32Array(), reference.conv2d)).toBe(0);
    // Guard against a vacuous pass on all-zero outputs.
    expect(matMul?.some((value) => Math.abs(value) > 1)).toBe(true);
  });

  it.runIf(cores >= 2)('lets a plain Node process exit on its own with threads enabled', async () => {
    const threaded = runWorkload(await compileForPlainNode());
    expect(threaded.threads).toBe(expectedThreads);
    expect(threaded.reason).toMatch(/threaded SIMD build/);
  });

  it('reports the running thread count once the backend is initialised', async () => {
    if (tf.findBackendFactory('wasm') === null) throw new Error('the wasm backend is not registered');
    expect(await tf.setBackend('wasm')).toBe(true);
    const result = await enableWasmThreadsInNode({ threads: 2 });
    expect(result.threads).toBe(getThreadsCount());
  });
});
