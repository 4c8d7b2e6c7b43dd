// @netlens/adversarial through its public API against PyTorch in the same run:
//  - fooling-image iterations (CS231n: forward, prediction check, backward of the target score,
//    L2-normalised step) on SqueezeNet 1.1 at 224², N=1, seeded weights; reported per iteration;
//  - PGD-L∞ (ε 0.3, 10 steps of 0.03, random start) on the MNIST CNN of @netlens/models, batch 256,
//    against the same network in plain PyTorch with the same weights (torchattacks' PGD loop).
//
//   npm run build && npm run bench -- adversarial [--backend=wasm] [--reps=5] [--threads=1|2|…] [--smoke]
//
// `--threads` sets both sides' thread count (netlens' wasm threads and torch.set_num_threads);
// default: netlens' default (every core) and every core for PyTorch.
import { makeFoolingImage, pgd } from '@netlens/adversarial';
import { seededValues, selectBackend } from '@netlens/backends';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, runPytorchPeer } from './lib/cli.mjs';
import { cell, measure } from './lib/measure.mjs';
import { seededSqueezeNet } from './lib/squeezenet.mjs';

const args = benchArgs();
const SMOKE = args.has('smoke');
const BACKEND = args.get('backend') ?? 'wasm';
const SIZE = SMOKE ? 64 : 224;
const REPS = SMOKE ? 1 : Number(args.get('reps') ?? 5);
const WARMUP = SMOKE ? 0 : 1;
const FOOLING_ITERATIONS = SMOKE ? 2 : 5;
const BATCH = SMOKE ? 16 : 256;
const PGD_STEPS = SMOKE ? 2 : 10;
// A class the seeded network does not reach with this small step, so every run does all iterations.
const TARGET = 113;
const LEARNING_RATE = 1e-3;

const THREADS = args.has('threads') ? Number(args.get('threads')) : undefined;
const selected = await selectBackend(BACKEND, {
  readEnvironment: false,
  ...(THREADS !== undefined && BACKEND === 'wasm' ? { wasmThreads: THREADS === 1 ? false : THREADS } : {}),
});

const squeezeNet = seededSqueezeNet();
const one = tf.tensor4d(seededValues(SIZE * SIZE * 3, 99, 0, 1), [1, SIZE, SIZE, 3]);
let foolingIterations = 0;
const fooling = await measure(
  async () => {
    const result = await makeFoolingImage(squeezeNet, one, {
      target: TARGET,
      learningRate: LEARNING_RATE,
      maxIterations: FOOLING_ITERATIONS,
    });
    foolingIterations = result.iterations[0];
    await result.images.data();
    result.images.dispose();
  },
  { reps: REPS, warmup: WARMUP },
);
tf.dispose(one);
squeezeNet.dispose();

const mnist = mnistClassifier();
const digits = tf.tensor4d(seededValues(BATCH * 28 * 28, 5, 0, 1), [BATCH, 28, 28, 1]);
const labels = Array.from({ length: BATCH }, (_, i) => i % 10);
const pgdTime = await measure(
  async () => {
    const adversarial = await pgd(mnist, digits, {
      epsilon: 0.3,
      stepSize: 0.03,
      numSteps: PGD_STEPS,
      labels,
    });
    await adversarial.data();
    adversarial.dispose();
  },
  { reps: REPS, warmup: WARMUP },
);
const grey = tf.tidy(() => mnist.logits(tf.fill([1, 28, 28, 1], 0.5)));
const greyLogits = Array.from(await grey.data());
grey.dispose();
tf.dispose(digits);
mnist.dispose();

const { torch, unavailable } = runPytorchPeer('adversarial.py', [
  String(REPS),
  `--size=${SIZE}`,
  `--fooling-iterations=${FOOLING_ITERATIONS}`,
  `--target=${TARGET}`,
  `--learning-rate=${LEARNING_RATE}`,
  `--batch=${BATCH}`,
  `--pgd-steps=${PGD_STEPS}`,
  `--warmup=${WARMUP}`,
  ...(THREADS !== undefined ? [`--threads=${THREADS}`] : []),
]);
const perIteration = (m, n) => ({ ...m, median: m.median / n });
const ours = { fooling: perIteration(fooling, FOOLING_ITERATIONS), pgd: pgdTime };
const theirs = torch && {
  fooling: perIteration(torch.fooling, torch.foolingIterations),
  pgd: torch.pgd,
};
const ratio = (a, b) => (b ? `${(a.median / b.median).toFixed(2)}×` : '–');
const throughput = (m) => `${((BATCH * 1000) / m.median).toFixed(0)}`;
console.log(
  [
    `netlens on ${selected.reason.replace(/^.*?: /, '')}.`,
    torch ? `Peer: PyTorch ${torch.torch}, ${torch.threads} threads, same run.` : unavailable,
    torch
      ? `MNIST CNN in PyTorch with the copied weights: logits of a mid-grey image differ from netlens' by at most ${Math.max(...torch.mnistGreyLogits.map((value, i) => Math.abs(value - greyLogits[i]))).toExponential(1)}.`
      : '',
    `Fooling iterations done per run: netlens ${foolingIterations}, PyTorch ${torch?.foolingIterations ?? '–'} (both must be ${FOOLING_ITERATIONS}).`,
    '',
    '| workload | PyTorch | netlens | netlens / PyTorch |',
    '|---|---|---|---|',
    `| fooling-image iteration, SqueezeNet 1.1 ${SIZE}², N=1 (ms per iteration; ${FOOLING_ITERATIONS} per run) | ${theirs ? cell(theirs.fooling) : '–'} | ${cell(ours.fooling)} | ${ratio(ours.fooling, theirs?.fooling)} |`,
    `| PGD-L∞ ${PGD_STEPS} steps, MNIST CNN, batch ${BATCH} (ms per attack) | ${theirs ? cell(theirs.pgd) : '–'} | ${cell(ours.pgd)} | ${ratio(ours.pgd, theirs?.pgd)} |`,
    `| PGD-L∞ throughput (images/s) | ${theirs ? throughput(theirs.pgd) : '–'} | ${throughput(ours.pgd)} | |`,
  ].join('\n'),
);
