// SqueezeNet 1.1 forward and input gradient (CS231n's saliency map) on every available backend,
// side by side with PyTorch measured in the same run, with the physical-limit column.
//
//   npm run build && npm run bench -- saliency-core [--backends=wasm,cpu,node-webgpu] [--n=5]
//     [--size=224] [--reps=5] [--smoke]
//
// Each backend runs in its own process (the wasm heap never shrinks, so peak memory is per
// process). Timings are medians of clean repetitions (bench/lib/measure.mjs). Slow configurations
// (a warm-up over 3 s) get at most 2 repetitions. The limit column divides the workload's FLOPs
// (from the layer shapes; backward to the input costs the forward's multiply-adds again) by the
// machine's FP32 peak, measured in this run as PyTorch's median 2048² sgemm. Results go to
// bench/results/saliency-core.json and the saliency-core section of BENCHMARKS.md; `--smoke`
// (one repetition, N=1 at 64²) writes nothing and exists so CI keeps the harness working.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { benchArgs, runPytorchPeer } from './lib/cli.mjs';

const args = benchArgs();
const SMOKE = args.has('smoke');
const N = Number(args.get('n') ?? (SMOKE ? 1 : 5));
const SIZE = Number(args.get('size') ?? (SMOKE ? 64 : 224));
const REPS = Number(args.get('reps') ?? (SMOKE ? 1 : 5));
const WARMUP = SMOKE ? 0 : 2;
const LABELS = [23, 557, 342, 525, 240];

if (args.has('child')) {
  await runChild(args.get('backend'));
} else {
  await runParent();
}

async function runChild(backend) {
  const { selectBackend, seededValues } = await import('@netlens/backends');
  const { seededSqueezeNet } = await import('./lib/squeezenet.mjs');
  const tf = await import('@tensorflow/tfjs-core');
  const { measure } = await import('./lib/measure.mjs');
  const selected = await selectBackend(backend, { readEnvironment: false });
  const classifier = seededSqueezeNet();
  const images = tf.tensor4d(seededValues(N * SIZE * SIZE * 3, 99, 0, 1), [N, SIZE, SIZE, 3]);
  const targets = tf.oneHot(
    Array.from({ length: N }, (_, i) => LABELS[i % LABELS.length]),
    1000,
  );
  const forward = async () => {
    const logits = classifier.logits(images);
    await logits.data();
    logits.dispose();
  };
  const saliency = async () => {
    const map = tf.tidy(() => {
      const gradient = tf.grad((x) => tf.sum(tf.mul(classifier.logits(x), targets)))(images);
      return tf.max(tf.abs(gradient), 3);
    });
    await map.data();
    map.dispose();
  };
  const options = async (run) => {
    const start = performance.now();
    await run();
    const slow = performance.now() - start > 3000;
    return { reps: slow ? Math.min(REPS, 2) : REPS, warmup: slow ? 0 : Math.max(0, WARMUP - 1) };
  };
  const result = {
    backend,
    reason: selected.reason,
    forward: await measure(forward, await options(forward)),
    saliency: await measure(saliency, await options(saliency)),
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
  tf.dispose([images, targets]);
  classifier.dispose();
  console.log(JSON.stringify(result));
}

async function runParent() {
  const { squeezeNet11Flops } = await import('@netlens/models');
  const { cell } = await import('./lib/measure.mjs');
  const backends = (args.get('backends') ?? 'wasm,cpu,node-webgpu').split(',');
  const script = fileURLToPath(import.meta.url);
  const rows = [];
  for (const backend of backends) {
    const child = spawnSync(
      process.execPath,
      [
        script,
        '--child',
        `--backend=${backend}`,
        `--n=${N}`,
        `--size=${SIZE}`,
        `--reps=${REPS}`,
        ...(SMOKE ? ['--smoke'] : []),
      ],
      { encoding: 'utf8', maxBuffer: 1 << 24 },
    );
    const line = child.stdout.trim().split('\n').at(-1) ?? '';
    if (child.status === 0 && line.startsWith('{')) {
      rows.push(JSON.parse(line));
      console.error(`${backend}: done`);
    } else {
      const reason = (child.stderr || child.stdout).trim().split('\n').filter(Boolean).at(-1);
      rows.push({ backend, error: reason ?? `exit ${child.status}` });
      console.error(`${backend}: ${reason}`);
    }
  }
  const { torch, unavailable } = runPytorchPeer('squeezenet.py', [
    String(REPS),
    `--n=${N}`,
    `--size=${SIZE}`,
    `--warmup=${WARMUP}`,
    '--peak',
  ]);
  const forwardGflop = (2 * N * squeezeNet11Flops(SIZE, SIZE)) / 1e9;
  const gflop = { forward: forwardGflop, saliency: 2 * forwardGflop };
  const peak = torch?.peakGflops;
  const percent = (key, ms) => (peak ? `${((gflop[key] / peak / ms) * 1e5).toFixed(1)} %` : '–');
  const lines = [
    `SqueezeNet 1.1, N=${N}, ${SIZE}×${SIZE}; ${forwardGflop.toFixed(3)} GFLOP forward, ${gflop.saliency.toFixed(3)} GFLOP input gradient.`,
    torch
      ? `Peer: PyTorch ${torch.torch}, ${torch.threads} threads (OpenBLAS + oneDNN), same run. Limit: ${peak.toFixed(1)} GFLOP/s, PyTorch's median 2048² sgemm in this run.`
      : unavailable,
    '',
    '| workload | implementation | median ms (clean/total) | min–max ms | peak RSS MB | × PyTorch | % of limit |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const key of ['forward', 'saliency']) {
    const label = key === 'forward' ? 'forward' : 'input gradient (saliency)';
    if (torch) {
      const m = torch[key];
      lines.push(
        `| ${label} | PyTorch | ${cell(m)} | – | ${torch.peakRssMb.toFixed(0)} | 1.00× | ${percent(key, m.median)} |`,
      );
    }
    for (const row of rows) {
      if (row.error) {
        lines.push(`| ${label} | tfjs ${row.backend} | failed: ${row.error} | | | | |`);
        continue;
      }
      const m = row[key];
      const ratio = torch ? `${(m.median / torch[key].median).toFixed(2)}×` : '–';
      lines.push(
        `| ${label} | netlens ${row.backend} | ${cell(m)} | ${m.min.toFixed(1)}–${m.max.toFixed(1)} | ${row.peakRssMb.toFixed(0)} | ${ratio} | ${percent(key, m.median)} |`,
      );
    }
  }
  const table = lines.join('\n');
  console.log(table);
  if (SMOKE) return;
  const results = new URL('results/', import.meta.url);
  mkdirSync(results, { recursive: true });
  const date = new Date().toISOString().slice(0, 10);
  writeFileSync(
    new URL('saliency-core.json', results),
    `${JSON.stringify({ date, n: N, size: SIZE, rows, torch }, null, 2)}\n`,
  );
  const benchmarks = new URL('../BENCHMARKS.md', import.meta.url);
  const section = `<!-- saliency-core:start -->\nRun ${date}: \`npm run build && npm run bench -- saliency-core\`\n\n${table}\n<!-- saliency-core:end -->`;
  const text = existsSync(benchmarks) ? readFileSync(benchmarks, 'utf8') : '# Benchmarks\n';
  const updated = /<!-- saliency-core:start -->[\s\S]*<!-- saliency-core:end -->/.test(text)
    ? text.replace(/<!-- saliency-core:start -->[\s\S]*<!-- saliency-core:end -->/, section)
    : `${text.trimEnd()}\n\n## SqueezeNet 1.1 saliency core (issue: models and benchmark harness)\n\n${section}\n`;
  writeFileSync(benchmarks, updated);
}
