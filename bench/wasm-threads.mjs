#!/usr/bin/env node
/**
 * tfjs wasm backend in Node: tfjs's default single-threaded build against the threaded build that
 * `enableWasmThreadsInNode` switches on.
 *
 *   node bench/wasm-threads.mjs [--reps=15] [--warmup=3] [--rounds=3] [--threads=2,4]
 *
 * Each configuration runs in its own process, because the wasm backend picks its binary and thread
 * pool once, when it initialises. Kernels of the wasm backend run synchronously inside the op call,
 * so timing the call times the kernel; reading the result back is left out.
 *
 * A thread pool is only as fast as its most-delayed thread, so other load on the machine hurts the
 * threaded runs far more than the single-threaded one. The configurations therefore alternate for
 * `--rounds` rounds and each reports its best round (the lowest per-round median); the load average
 * is printed alongside.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SOURCE = fileURLToPath(
  new URL('../packages/backends/src/wasm-threads/enable-node-threads.ts', import.meta.url),
);
const MATMUL_SIZE = 1024;
// SqueezeNet fire-module scale: 55×55×16 feature map, 3×3 kernel, 64 output channels.
const CONV = { batch: 5, height: 55, width: 55, inChannels: 16, outChannels: 64, kernel: 3 };

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((arg) => arg.startsWith('--'))
    .map((arg) => {
      const [key, value = 'true'] = arg.slice(2).split('=');
      return [key, value];
    }),
);

if (args.child !== undefined) {
  await runChild(Number(args.child), Number(args.reps ?? 15), Number(args.warmup ?? 3));
} else {
  runParent();
}

function runParent() {
  const reps = Number(args.reps ?? 15);
  const warmup = Number(args.warmup ?? 3);
  const rounds = Number(args.rounds ?? 3);
  const threadCounts = (args.threads ?? String(Math.max(2, Math.min(availableParallelism(), 8))))
    .split(',')
    .map(Number);
  const configurations = [1, ...threadCounts];
  const runs = configurations.map(() => []);
  for (let round = 0; round < rounds; round++) {
    configurations.forEach((threads, index) => {
      const child = spawnSync(
        process.execPath,
        [fileURLToPath(import.meta.url), `--child=${threads}`, `--reps=${reps}`, `--warmup=${warmup}`],
        { encoding: 'utf8', timeout: 600_000 },
      );
      if (child.status !== 0) {
        process.stderr.write(child.stderr);
        throw new Error(`benchmark child for ${threads} thread(s) exited with ${child.status}`);
      }
      const run = JSON.parse(child.stdout.trim().split('\n').at(-1));
      runs[index]?.push(run);
    });
  }
  const best = (samples, key) => Math.min(...samples.map((sample) => sample[key]));
  const rows = runs.map((samples) => ({
    ...samples[0],
    initMs: best(samples, 'initMs'),
    matmulMs: best(samples, 'matmulMs'),
    convMs: best(samples, 'convMs'),
  }));

  const matmulFlops = 2 * MATMUL_SIZE ** 3;
  const { batch, height, width, inChannels, outChannels, kernel } = CONV;
  const convFlops = 2 * batch * height * width * outChannels * kernel * kernel * inChannels;
  const base = rows[0];
  console.log(
    `Node ${process.version}, ${availableParallelism()} logical CPUs (${cpus()[0]?.model ?? 'unknown'}); ` +
      `median of ${reps} reps after ${warmup} warm-up, best of ${rounds} rounds; ` +
      `load average ${loadavg()
        .map((load) => load.toFixed(2))
        .join(' ')}`,
  );
  console.log(
    `matMul ${MATMUL_SIZE}x${MATMUL_SIZE} · ${MATMUL_SIZE}x${MATMUL_SIZE}; ` +
      `conv2d [${batch},${height},${width},${inChannels}] * [${kernel},${kernel},${inChannels},${outChannels}], stride 1, same`,
  );
  console.table(
    rows.map((row) => ({
      build: row.requested === 1 ? 'single-threaded SIMD (tfjs default)' : 'threaded SIMD',
      threads: row.threads,
      'init ms': round(row.initMs, 0),
      'matMul ms': round(row.matmulMs, 1),
      'matMul GFLOP/s': round(matmulFlops / row.matmulMs / 1e6, 1),
      'matMul speed-up': `${round(base.matmulMs / row.matmulMs, 2)}x`,
      'conv ms': round(row.convMs, 1),
      'conv GFLOP/s': round(convFlops / row.convMs / 1e6, 1),
      'conv speed-up': `${round(base.convMs / row.convMs, 2)}x`,
    })),
  );
  for (const row of rows.slice(1)) console.log(`${row.requested} threads requested: ${row.reason}`);
}

async function runChild(requested, reps, warmup) {
  let reason = 'tfjs default';
  if (requested > 1) {
    const { enableWasmThreadsInNode } = await loadEnable();
    ({ reason } = await enableWasmThreadsInNode({ threads: requested }));
  }
  const tf = await import('@tensorflow/tfjs-core');
  const { getThreadsCount } = await import('@tensorflow/tfjs-backend-wasm');
  const started = performance.now();
  if (!(await tf.setBackend('wasm'))) throw new Error('wasm backend failed to initialise');
  const initMs = performance.now() - started;

  const a = tf.randomUniform([MATMUL_SIZE, MATMUL_SIZE], -1, 1, 'float32', 1);
  const b = tf.randomUniform([MATMUL_SIZE, MATMUL_SIZE], -1, 1, 'float32', 2);
  const { batch, height, width, inChannels, outChannels, kernel } = CONV;
  const x = tf.randomUniform([batch, height, width, inChannels], -1, 1, 'float32', 3);
  const filter = tf.randomUniform([kernel, kernel, inChannels, outChannels], -1, 1, 'float32', 4);

  const matmulMs = median(time(() => tf.matMul(a, b), reps, warmup));
  const convMs = median(time(() => tf.conv2d(x, filter, 1, 'same'), reps, warmup));
  console.log(JSON.stringify({ requested, threads: getThreadsCount(), reason, initMs, matmulMs, convMs }));
}

/** Times `op` (which returns a tensor) `reps` times after `warmup` untimed runs. */
function time(op, reps, warmup) {
  const samples = [];
  for (let i = 0; i < warmup + reps; i++) {
    const started = performance.now();
    const result = op();
    const elapsed = performance.now() - started;
    result.dispose();
    if (i >= warmup) samples.push(elapsed);
  }
  return samples;
}

function median(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function round(value, digits) {
  return Number(value.toFixed(digits));
}

/**
 * Compiles the TypeScript source with esbuild (a dev dependency, through tsup) so the bench needs no
 * build step; tfjs stays external, resolved to the same files this script imports, so both share
 * one tfjs engine.
 */
async function loadEnable() {
  const { build } = await import('esbuild');
  const output = await build({
    entryPoints: [SOURCE],
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
            path: import.meta.resolve(resolveArgs.path),
            external: true,
          }));
        },
      },
    ],
  });
  const directory = mkdtempSync(join(tmpdir(), 'netlens-bench-'));
  const file = join(directory, 'enable-node-threads.mjs');
  writeFileSync(file, output.outputFiles[0].text);
  try {
    return await import(pathToFileURL(file).href);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
