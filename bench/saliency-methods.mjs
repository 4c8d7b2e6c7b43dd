// @netlens/saliency through its public API against PyTorch in the same run, SqueezeNet 1.1 at 224²
// with seeded weights: `vanillaGradient` on N=5 images, and `integratedGradients` with 50
// Gauss–Legendre steps on one image, both sides batching `--internal-batch` interpolated images; and
// `guidedBackprop` on N=5 (every ReLU, fused ones included, under the guided rule; PyTorch: a
// backward hook on every nn.ReLU), to show what the rule costs next to the plain gradient.
//
//   npm run build && npm run bench -- saliency-methods [--backend=wasm] [--reps=5] [--steps=50]
//     [--internal-batch=10] [--smoke]
//
// Peak RSS is per process (the tfjs side runs in this process; the peer in its own).
import { seededValues, selectBackend } from '@netlens/backends';
import { guidedBackprop, integratedGradients, vanillaGradient } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, runPytorchPeer } from './lib/cli.mjs';
import { cell, measure } from './lib/measure.mjs';
import { seededSqueezeNet } from './lib/squeezenet.mjs';

const args = benchArgs();
const SMOKE = args.has('smoke');
const BACKEND = args.get('backend') ?? 'wasm';
const N = SMOKE ? 1 : 5;
const SIZE = SMOKE ? 64 : 224;
const REPS = SMOKE ? 1 : Number(args.get('reps') ?? 5);
const STEPS = SMOKE ? 4 : Number(args.get('steps') ?? 50);
const INTERNAL_BATCH = SMOKE ? 2 : Number(args.get('internal-batch') ?? 10);
const LABELS = [23, 557, 342, 525, 240];

const selected = await selectBackend(BACKEND, { readEnvironment: false });
const model = seededSqueezeNet();
const images = tf.tensor4d(seededValues(N * SIZE * SIZE * 3, 99, 0, 1), [N, SIZE, SIZE, 3]);
const one = tf.slice(images, [0, 0, 0, 0], [1, SIZE, SIZE, 3]);
const target = Array.from({ length: N }, (_, i) => LABELS[i % LABELS.length]);

const vanilla = await measure(
  async () => {
    const map = await vanillaGradient(model, images, { target });
    await map.data();
    map.dispose();
  },
  { reps: REPS, warmup: SMOKE ? 0 : 1 },
);
const guided = await measure(
  async () => {
    const map = await guidedBackprop(model, images, { target });
    await map.data();
    map.dispose();
  },
  { reps: REPS, warmup: SMOKE ? 0 : 1 },
);
const rssBeforeIg = process.memoryUsage().rss;
const ig = await measure(
  async () => {
    const { attributions } = await integratedGradients(model, one, {
      target: [LABELS[0]],
      numSteps: STEPS,
      method: 'gausslegendre',
      internalBatchSize: INTERNAL_BATCH,
    });
    await attributions.data();
    attributions.dispose();
  },
  { reps: Math.max(1, Math.ceil(REPS / 2)), warmup: SMOKE ? 0 : 1 },
);
const peakRssMb = process.resourceUsage().maxRSS / 1024;
tf.dispose([images, one]);
model.dispose();

const { torch, unavailable } = runPytorchPeer('saliency_methods.py', [
  String(REPS),
  `--n=${N}`,
  `--size=${SIZE}`,
  `--steps=${STEPS}`,
  `--internal-batch=${INTERNAL_BATCH}`,
  `--warmup=${SMOKE ? 0 : 1}`,
]);
const ratio = (ours, theirs) => (theirs ? `${(ours.median / theirs.median).toFixed(2)}×` : '–');
console.log(
  [
    `SqueezeNet 1.1 at ${SIZE}², seeded weights; netlens on ${selected.reason.replace(/^.*?: /, '')}.`,
    torch ? `Peer: PyTorch ${torch.torch}, ${torch.threads} threads, same run.` : unavailable,
    '',
    '| workload | PyTorch ms | netlens ms | netlens / PyTorch | peak RSS MB (PyTorch / netlens) |',
    '|---|---|---|---|---|',
    `| vanillaGradient, N=${N} | ${torch ? cell(torch.vanilla) : '–'} | ${cell(vanilla)} | ${ratio(vanilla, torch?.vanilla)} | ${torch ? torch.peakRssMb.toFixed(0) : '–'} / ${peakRssMb.toFixed(0)} |`,
    `| guidedBackprop, N=${N} | ${torch ? cell(torch.guided) : '–'} | ${cell(guided)} | ${ratio(guided, torch?.guided)} | (guided / vanilla: PyTorch ${torch ? (torch.guided.median / torch.vanilla.median).toFixed(2) : '–'}, netlens ${(guided.median / vanilla.median).toFixed(2)}) |`,
    `| integratedGradients, ${STEPS} steps, N=1, internal batch ${INTERNAL_BATCH} | ${torch ? cell(torch.ig) : '–'} | ${cell(ig)} | ${ratio(ig, torch?.ig)} | (RSS before IG ${(rssBeforeIg / 2 ** 20).toFixed(0)} MB) |`,
  ].join('\n'),
);
