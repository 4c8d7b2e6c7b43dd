// @netlens/captioning against PyTorch in the same run, at CS231n's captioning sizes (N=50, T=16,
// V=1004, W=256, H=512, D=512), LSTM: one training step (forward + backward for all 8 parameters,
// every gradient read back) on the explicit-backward path and on the tfjs-autodiff path, and greedy
// sampling of 30 steps for N=50 images (reported per caption too).
//
//   npm run build && npm run bench -- captioning [--backend=wasm] [--reps=5] [--torch-threads=2]
//     [--wasm-threads=2] [--smoke]
//
// Peak RSS is per process (the tfjs side runs in this process; the peer in its own).
import { seededValues, selectBackend } from '@netlens/backends';
import { CaptioningModel, Vocabulary } from '@netlens/captioning';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, runPytorchPeer } from './lib/cli.mjs';
import { cell, measure } from './lib/measure.mjs';

const args = benchArgs();
const SMOKE = args.has('smoke');
const BACKEND = args.get('backend') ?? 'wasm';
const [N, T, V, W, H, D] = SMOKE ? [4, 5, 24, 16, 32, 16] : [50, 16, 1004, 256, 512, 512];
const SAMPLE_STEPS = SMOKE ? 5 : 30;
const REPS = SMOKE ? 1 : Number(args.get('reps') ?? 5);
const WARMUP = SMOKE ? 0 : 2;
const TORCH_THREADS = args.get('torch-threads');
const WASM_THREADS = args.has('wasm-threads') ? Number(args.get('wasm-threads')) : undefined;

const selected = await selectBackend(BACKEND, {
  readEnvironment: false,
  ...(WASM_THREADS ? { wasmThreads: WASM_THREADS === 1 ? false : WASM_THREADS } : {}),
});
const vocabulary = new Vocabulary(Array.from({ length: V - 4 }, (_, i) => `w${i}`));
const model = new CaptioningModel({
  cellType: 'lstm',
  vocabulary,
  inputDim: D,
  wordvecDim: W,
  hiddenDim: H,
  seed: 1,
});
const features = tf.tensor2d(seededValues(N * D, 3), [N, D]);
// <START>, T random words, with <NULL> padding at the end of half the captions.
const ids = Array.from({ length: N * (T + 1) }, (_, i) => {
  const [n, t] = [Math.floor(i / (T + 1)), i % (T + 1)];
  if (t === 0) return 1;
  if (n >= N / 2 && t >= T - 2) return 0;
  return 4 + ((n * 31 + t * 17) % (V - 4));
});
const captions = tf.tensor2d(ids, [N, T + 1], 'int32');

const trainStep = (gradients) => async () => {
  const { loss, grads } = model.lossTensors(features, captions, { gradients });
  await Promise.all([loss.data(), ...Object.values(grads).map((grad) => grad.data())]);
  tf.dispose([loss, grads]);
};
const explicit = await measure(trainStep('explicit'), { reps: REPS, warmup: WARMUP });
const autodiff = await measure(trainStep('autodiff'), { reps: REPS, warmup: WARMUP });
const sampling = await measure(() => model.sample(features, SAMPLE_STEPS), { reps: REPS, warmup: WARMUP });
const peakRssMb = process.resourceUsage().maxRSS / 1024;
tf.dispose([features, captions]);
model.dispose();

const { torch, unavailable } = runPytorchPeer('captioning.py', [
  String(REPS),
  `--n=${N}`,
  `--t=${T}`,
  `--v=${V}`,
  `--w=${W}`,
  `--h=${H}`,
  `--d=${D}`,
  `--sample-steps=${SAMPLE_STEPS}`,
  `--warmup=${WARMUP}`,
  ...(TORCH_THREADS ? [`--threads=${TORCH_THREADS}`] : []),
]);
const ratio = (ours, theirs) => (theirs ? `${(ours.median / theirs.median).toFixed(2)}×` : '–');
const perCaption = (measurement) => (measurement ? (measurement.median / N).toFixed(2) : '–');
console.log(
  [
    `LSTM captioner, N=${N}, T=${T}, V=${V}, W=${W}, H=${H}, D=${D}; netlens on ${selected.reason.replace(/^.*?: /, '')}.`,
    torch
      ? `Peer: PyTorch ${torch.torch}, ${torch.threads} threads, explicit step loop with autograd, same run.`
      : unavailable,
    'Cells: median ms of clean repetitions (clean/total); ratio = netlens / PyTorch.',
    '',
    '| workload | PyTorch ms | netlens ms | netlens / PyTorch |',
    '|---|---|---|---|',
    `| train step, explicit backward (layer functions) | ${torch ? cell(torch.train) : '–'} | ${cell(explicit)} | ${ratio(explicit, torch?.train)} |`,
    `| train step, tfjs autodiff | ${torch ? cell(torch.train) : '–'} | ${cell(autodiff)} | ${ratio(autodiff, torch?.train)} |`,
    `| greedy sample, ${SAMPLE_STEPS} steps, N=${N} | ${torch ? cell(torch.sample) : '–'} | ${cell(sampling)} | ${ratio(sampling, torch?.sample)} |`,
    `| greedy sample, ms per caption | ${perCaption(torch?.sample)} | ${perCaption(sampling)} | |`,
    '',
    `Peak RSS MB: PyTorch ${torch ? torch.peakRssMb.toFixed(0) : '–'}, netlens ${peakRssMb.toFixed(0)}.`,
  ].join('\n'),
);
