// @netlens/classviz through its public API against PyTorch in the same run.
//
// 1. One step of CS231n's class visualization (`createClassVisualization`: roll, gradient of the
//    class score minus the L2 penalty, normalised step, roll back, clamp, blur every 10th step) on
//    SqueezeNet 1.1 at 224², batch 1, seeded weights, timed over `--steps` consecutive steps and
//    divided, on `--backend` (default wasm); the PyTorch peer runs the same loop on CPU.
// 2. A 100-step run, wall time and peak memory, on every Node backend (cpu, wasm, node-webgpu), each
//    in its own process: the default run on the trained MNIST classifier for the ten digits as one
//    batch, and on wasm also 100 SqueezeNet 224² steps.
//
//   npm run build && npm run bench -- classviz [--backend=wasm] [--reps=3] [--steps=10] [--smoke]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import { createClassVisualization } from '@netlens/classviz';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, runPytorchPeer } from './lib/cli.mjs';
import { cell, measure } from './lib/measure.mjs';
import { seededSqueezeNet } from './lib/squeezenet.mjs';

const args = benchArgs();
const SMOKE = args.has('smoke');
const SIZE = SMOKE ? 64 : 224;
const RUN_STEPS = SMOKE ? 3 : 100;
const TARGET = 76;

/** Child mode: one backend's 100-step runs, printed as one JSON line. */
async function runLong(backend) {
  const selected = await selectBackend(backend, { readEnvironment: false });
  let peakBytes = 0;
  const onStep = () => {
    peakBytes = Math.max(peakBytes, tf.memory().numBytes);
  };
  const result = { backend, chose: selected.reason };
  const mnist = mnistClassifier();
  const digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  let start = performance.now();
  const { image } = await createClassVisualization(mnist, digits, { numIterations: RUN_STEPS, onStep });
  result.mnistMs = performance.now() - start;
  const probabilities = tf.tidy(() => tf.softmax(mnist.logits(image)));
  const rows = await probabilities.array();
  result.mnistMinProbability = Math.min(...digits.map((digit) => rows[digit][digit]));
  tf.dispose([image, probabilities]);
  mnist.dispose();
  result.mnistPeakTensorMb = peakBytes / 2 ** 20;
  result.mnistPeakRssMb = process.resourceUsage().maxRSS / 1024;
  if (backend === 'wasm') {
    peakBytes = 0;
    const squeezenet = seededSqueezeNet();
    start = performance.now();
    const run = await createClassVisualization(squeezenet, TARGET, {
      numIterations: RUN_STEPS,
      imageSize: [SIZE, SIZE],
      onStep,
    });
    result.squeezenetMs = performance.now() - start;
    run.image.dispose();
    squeezenet.dispose();
    result.squeezenetPeakTensorMb = peakBytes / 2 ** 20;
    result.squeezenetPeakRssMb = process.resourceUsage().maxRSS / 1024;
  }
  console.log(JSON.stringify(result));
}

if (args.has('long')) {
  await runLong(args.get('long'));
  process.exit(0);
}

const BACKEND = args.get('backend') ?? 'wasm';
const REPS = SMOKE ? 1 : Number(args.get('reps') ?? 3);
const STEPS = SMOKE ? 2 : Number(args.get('steps') ?? 10);
const selected = await selectBackend(BACKEND, { readEnvironment: false });
const model = seededSqueezeNet();
let seed = 0;
const step = await measure(
  async () => {
    const { image } = await createClassVisualization(model, TARGET, {
      numIterations: STEPS,
      imageSize: [SIZE, SIZE],
      seed: seed++,
    });
    await image.data();
    image.dispose();
  },
  { reps: REPS, warmup: SMOKE ? 0 : 1 },
);
const perStep = { ...step, median: step.median / STEPS };
model.dispose();

const { torch, unavailable } = runPytorchPeer('classviz.py', [
  String(REPS),
  `--size=${SIZE}`,
  `--steps=${STEPS}`,
  `--warmup=${SMOKE ? 0 : 1}`,
]);

// The smoke run skips node-webgpu, whose shader compilation alone takes ~15 s on SwiftShader.
const longRuns = (SMOKE ? ['cpu', 'wasm'] : ['cpu', 'wasm', 'node-webgpu']).map((backend) => {
  const child = spawnSync(
    process.execPath,
    [fileURLToPath(import.meta.url), `--long=${backend}`, ...(SMOKE ? ['--smoke'] : [])],
    { encoding: 'utf8' },
  );
  const line = child.stdout.trim().split('\n').at(-1);
  return child.status === 0 && line?.startsWith('{')
    ? JSON.parse(line)
    : { backend, error: (child.stderr || child.stdout || '').trim().split('\n').at(-1) };
});

const ms = (value) => (value >= 100 ? value.toFixed(0) : value.toFixed(1));
console.log(
  [
    `SqueezeNet 1.1 at ${SIZE}², seeded weights, batch 1; netlens on ${selected.reason.replace(/^.*?: /, '')}.`,
    torch ? `Peer: PyTorch ${torch.torch}, ${torch.threads} threads, same run.` : unavailable,
    '',
    '| workload | PyTorch ms | netlens ms | netlens / PyTorch | peak RSS MB (PyTorch / netlens) |',
    '|---|---|---|---|---|',
    `| one class-visualization step (mean of ${STEPS} consecutive) | ${torch ? cell(torch.step) : '–'} | ${cell(perStep)} | ${torch ? `${(perStep.median / torch.step.median).toFixed(2)}×` : '–'} | ${torch ? torch.peakRssMb.toFixed(0) : '–'} / ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} |`,
    '',
    `${RUN_STEPS}-step runs, one process per backend (wall time once; peak tfjs memory sampled after every step):`,
    '',
    `| backend | MNIST, 10 digits as one batch: wall s | min p(digit) | peak tensors MB | peak RSS MB | SqueezeNet ${SIZE}², batch 1: wall s | peak tensors MB | peak RSS MB |`,
    '|---|---|---|---|---|---|---|---|',
    ...longRuns.map((run) =>
      run.error
        ? `| ${run.backend} | unavailable: ${run.error} | | | | | | |`
        : `| ${run.backend} | ${ms(run.mnistMs / 1000)} | ${run.mnistMinProbability.toFixed(3)} | ${run.mnistPeakTensorMb.toFixed(1)} | ${run.mnistPeakRssMb.toFixed(0)} | ${run.squeezenetMs ? ms(run.squeezenetMs / 1000) : 'not run'} | ${run.squeezenetPeakTensorMb ? run.squeezenetPeakTensorMb.toFixed(1) : ''} | ${run.squeezenetPeakRssMb ? run.squeezenetPeakRssMb.toFixed(0) : ''} |`,
    ),
  ].join('\n'),
);
