// Stock tfjs-backend-wasm 4.22 gradients against netlens' wasm gradient kernels
// (packages/backends/src/wasm): the SqueezeNet 1.1 input gradient (saliency) at N=5, 224×224, a
// caption-model matMul gradient, and the kernels one at a time.
//
// Run from the repository root after `npm run build` (it measures the built @netlens/backends, the
// code users get):
//
//   npm run bench -- wasm-gradients [--reps=7] [--threads=1|2|…] [--profile] [--smoke]
//
// `--threads` sets the wasm thread count netlens starts in Node (default: every core); the stock
// comparison runs on the same binary and threads. `--smoke` runs one repetition of everything (CI
// uses it so the benchmark never rots; it does not judge timings). Every timing is the median of
// "clean" repetitions after warm-up: a repetition counts only if the rest of the machine used
// < 20 ms + 10 % of one core meanwhile (read from /proc/stat), since a noisy neighbour shares the
// benchmark VM; the table gives clean/total counts. Prints a Markdown table.
import { seededRandom, selectBackend } from '@netlens/backends';
import { installWasmGradients, uninstallWasmGradients } from '@netlens/backends/wasm';
import * as tf from '@tensorflow/tfjs-core';
import { benchArgs, runPytorchPeer } from './lib/cli.mjs';
import { cell, measure } from './lib/measure.mjs';

const args = benchArgs();
const SMOKE = args.has('smoke');
const REPS = SMOKE ? 1 : Number(args.get('reps') ?? 7);
const PROFILE = args.has('profile');
const THREADS = args.has('threads') ? Number(args.get('threads')) : undefined;

const selected = await selectBackend('wasm', {
  readEnvironment: false,
  ...(THREADS !== undefined ? { wasmThreads: THREADS === 1 ? false : THREADS } : {}),
});
console.error(selected.reason);

function timed(fn, options = {}) {
  return measure(
    () => {
      tf.tidy(() => {
        const out = fn();
        for (const tensor of Array.isArray(out) ? out : [out]) {
          tensor.dataSync();
        }
      });
    },
    { reps: REPS, warmup: SMOKE ? 0 : 2, ...options },
  );
}

// ---------------------------------------------------------------- seeded weights

const seeded = seededRandom;

function normal(shape, seed, std = 1) {
  const next = seeded(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const r = Math.sqrt(-2 * Math.log(next() + 1e-12));
    const theta = 2 * Math.PI * next();
    values[i] = r * Math.cos(theta) * std;
    if (i + 1 < size) {
      values[i + 1] = r * Math.sin(theta) * std;
    }
  }
  return tf.tensor(values, shape);
}

function uniform(shape, seed, bound) {
  const next = seeded(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: size }, () => (next() * 2 - 1) * bound),
    shape,
  );
}

// ---------------------------------------------------------------- SqueezeNet 1.1 (NHWC, raw ops)

let seedCounter = 1;
function convLayer(size, inChannels, outChannels) {
  const fanIn = size * size * inChannels;
  return {
    filter: normal([size, size, inChannels, outChannels], seedCounter++, Math.sqrt(2 / fanIn)),
    bias: uniform([outChannels], seedCounter++, 0.05),
  };
}

function fireLayers(inChannels, squeeze, expand1, expand3) {
  return {
    squeeze: convLayer(1, inChannels, squeeze),
    expand1: convLayer(1, squeeze, expand1),
    expand3: convLayer(3, squeeze, expand3),
  };
}

const weights = {
  conv1: convLayer(3, 3, 64),
  fires: [
    fireLayers(64, 16, 64, 64),
    fireLayers(128, 16, 64, 64),
    fireLayers(128, 32, 128, 128),
    fireLayers(256, 32, 128, 128),
    fireLayers(256, 48, 192, 192),
    fireLayers(384, 48, 192, 192),
    fireLayers(384, 64, 256, 256),
    fireLayers(512, 64, 256, 256),
  ],
  classifier: convLayer(1, 512, 1000),
};

function conv(x, layer, strides = 1, pad = 'valid') {
  return tf.fused.conv2d({ x, filter: layer.filter, bias: layer.bias, strides, pad, activation: 'relu' });
}

function fire(x, layers) {
  const squeezed = conv(x, layers.squeeze);
  return tf.concat([conv(squeezed, layers.expand1), conv(squeezed, layers.expand3, 1, 'same')], 3);
}

function squeezenet(x) {
  let h = tf.maxPool(conv(x, weights.conv1, 2), 3, 2, 'valid');
  h = fire(h, weights.fires[0]);
  h = fire(h, weights.fires[1]);
  h = tf.maxPool(h, 3, 2, 'valid');
  h = fire(h, weights.fires[2]);
  h = fire(h, weights.fires[3]);
  h = tf.maxPool(h, 3, 2, 'valid');
  for (const layers of weights.fires.slice(4)) {
    h = fire(h, layers);
  }
  return tf.mean(conv(h, weights.classifier), [1, 2]);
}

const images = normal([5, 224, 224, 3], 1000);
const labels = [23, 557, 342, 525, 240];
const oneHot = tf.tensor2d(
  labels.flatMap((label) => Array.from({ length: 1000 }, (_, i) => (i === label ? 1 : 0))),
  [5, 1000],
);

/** The input gradient ∂ Σ(logits · onehot) / ∂x (a saliency map before |·| and max over channels). */
function saliency() {
  return tf.grad((x) => tf.sum(tf.mul(squeezenet(x), oneHot)))(images);
}

// ---------------------------------------------------------------- caption matMul and kernels

const captionA = normal([50, 512], 2000);
const captionB = normal([512, 2048], 2001, 0.05);
const captionDy = normal([50, 2048], 2002);
/** Both gradients of `A·B`, as tfjs-core's BatchMatMul gradient computes them (transpose flags). */
function captionGradients() {
  return [tf.matMul(captionDy, captionB, false, true), tf.matMul(captionA, captionDy, true, false)];
}
const CAPTION_FLOPS = 2 * (2 * 50 * 512 * 2048);

const kernelInputs = {
  x111: normal([5, 111, 111, 64], 3000),
  dy55: normal([5, 55, 55, 64], 3001),
  y55: null,
  dy111: normal([5, 111, 111, 64], 3002),
  x55: normal([5, 55, 55, 16], 3003),
  dy55x64: normal([5, 55, 55, 64], 3004),
  x13: normal([5, 13, 13, 64], 3005),
  dy13: normal([5, 13, 13, 256], 3006),
  embedding: normal([800, 256], 3007),
  x112: normal([5, 112, 112, 32], 3008),
  dw: normal([3, 3, 32, 1], 3009),
  dy112: normal([5, 112, 112, 32], 3010),
  dy56: normal([5, 56, 56, 32], 3011),
  tokens: tf.tensor1d(
    Array.from({ length: 800 }, (_, i) => (i * 7919) % 1004),
    'int32',
  ),
};

kernelInputs.y55 = tf.maxPool(kernelInputs.x111, 3, 2, 'valid');

const kernelBenches = [
  [
    'Conv2DBackpropInput conv1 3×3/2 [5,111,111,64]→[5,224,224,3]',
    () => tf.conv2dTranspose(kernelInputs.dy111, weights.conv1.filter, [5, 224, 224, 3], 2, 'valid'),
  ],
  [
    "Conv2DBackpropInput expand3×3 'same' [5,55,55,64]→[5,55,55,16]",
    () =>
      tf.conv2dTranspose(kernelInputs.dy55x64, weights.fires[0].expand3.filter, [5, 55, 55, 16], 1, 'same'),
  ],
  [
    "Conv2DBackpropFilter 3×3 'same' [5,13,13,64]·[5,13,13,256]",
    () =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x: kernelInputs.x13, dy: kernelInputs.dy13 },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 64, 256] },
        ),
  ],
  [
    "DepthwiseConv2dNativeBackpropInput 3×3/1 'same' [5,112,112,32]",
    () =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy: kernelInputs.dy112, filter: kernelInputs.dw },
          { strides: 1, dilations: 1, pad: 'same', inputShape: [5, 112, 112, 32] },
        ),
  ],
  [
    "DepthwiseConv2dNativeBackpropInput 3×3/2 'same' [5,56,56,32]→[5,112,112,32]",
    () =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropInput',
          { dy: kernelInputs.dy56, filter: kernelInputs.dw },
          { strides: 2, dilations: 1, pad: 'same', inputShape: [5, 112, 112, 32] },
        ),
  ],
  [
    "DepthwiseConv2dNativeBackpropFilter 3×3/1 'same' [5,112,112,32]",
    () =>
      tf
        .engine()
        .runKernel(
          'DepthwiseConv2dNativeBackpropFilter',
          { x: kernelInputs.x112, dy: kernelInputs.dy112 },
          { strides: 1, dilations: 1, pad: 'same', filterShape: [3, 3, 32, 1] },
        ),
  ],
  [
    'MaxPoolGrad 3/2 [5,111,111,64]',
    () =>
      tf
        .engine()
        .runKernel(
          'MaxPoolGrad',
          { dy: kernelInputs.dy55, input: kernelInputs.x111, output: kernelInputs.y55 },
          { filterSize: 3, strides: 2, pad: 'valid' },
        ),
  ],
  [
    'AvgPoolGrad 3/2 [5,111,111,64]',
    () =>
      tf
        .engine()
        .runKernel(
          'AvgPoolGrad',
          { dy: kernelInputs.dy55, input: kernelInputs.x111 },
          { filterSize: 3, strides: 2, pad: 'valid' },
        ),
  ],
  [
    'MaxPoolWithArgmax 3/2 [5,111,111,64]',
    () => {
      const { result, indexes } = tf.maxPoolWithArgmax(kernelInputs.x111, 3, 2, 'valid');
      return [result, indexes];
    },
  ],
  [
    'gather gradient (UnsortedSegmentSum) [800,256]→[1004,256]',
    () => tf.unsortedSegmentSum(kernelInputs.embedding, kernelInputs.tokens, 1004),
  ],
];

// ---------------------------------------------------------------- run

const fmt = (value) => (value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2));

async function runAll(label, { slow }) {
  const result = {};
  result.forward = await timed(() => squeezenet(images));
  result.saliency = await timed(saliency, slow ? { reps: Math.min(REPS, 3), warmup: SMOKE ? 0 : 1 } : {});
  result.caption = await timed(captionGradients);
  result.kernels = [];
  for (const [name, fn] of kernelBenches) {
    try {
      result.kernels.push([
        name,
        await timed(fn, slow ? { reps: Math.min(REPS, 5), warmup: SMOKE ? 0 : 1 } : {}),
      ]);
    } catch (error) {
      result.kernels.push([name, { error: String(error.message ?? error).split('\n')[0] }]);
    }
  }
  console.error(
    `${label}: forward ${fmt(result.forward.median)} ms, saliency ${fmt(result.saliency.median)} ms`,
  );
  return result;
}

// Parity of the SqueezeNet saliency map, stock against netlens, before timing.
uninstallWasmGradients();
const stockMap = tf.tidy(() => saliency().dataSync());
const stock = await runAll('stock', { slow: true });
installWasmGradients();
const netlensMap = tf.tidy(() => saliency().dataSync());
const netlens = await runAll('netlens', { slow: false });
let mapDiff = 0;
let mapMax = 0;
for (let i = 0; i < stockMap.length; i++) {
  mapDiff = Math.max(mapDiff, Math.abs(stockMap[i] - netlensMap[i]));
  mapMax = Math.max(mapMax, Math.abs(stockMap[i]));
}

if (PROFILE) {
  const profile = await tf.profile(() => tf.tidy(() => saliency().dataSync()));
  const byKernel = new Map();
  for (const kernel of profile.kernels) {
    byKernel.set(kernel.name, (byKernel.get(kernel.name) ?? 0) + kernel.kernelTimeMs);
  }
  console.log('\nnetlens saliency profile (ms by kernel):');
  for (const [name, ms] of [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
    console.log(`  ${name.padEnd(28)} ${ms.toFixed(1)}`);
  }
}

const lines = [];
lines.push(
  `tfjs-backend-wasm ${tf.version_core}, SIMD ${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}; ${selected.reason.replace(/^.*?: /, '')}.`,
);
lines.push(
  `Median ms of clean reps (clean/total in brackets), ${REPS} reps after warm-up (stock input gradient: 3).`,
);
lines.push('');
lines.push('| workload | stock wasm | netlens wasm | speed-up |');
lines.push('|---|---|---|---|');
const row = (name, a, b) =>
  lines.push(
    `| ${name} | ${a.error ?? cell(a)} | ${b.error ?? cell(b)} | ${a.error || b.error ? '–' : `${(a.median / b.median).toFixed(1)}×`} |`,
  );
row('SqueezeNet 1.1 forward, N=5, 224²', stock.forward, netlens.forward);
row('SqueezeNet 1.1 input gradient (fwd + bwd), N=5', stock.saliency, netlens.saliency);
lines.push(
  `| input gradient / forward | ${(stock.saliency.median / stock.forward.median).toFixed(2)}× | ${(netlens.saliency.median / netlens.forward.median).toFixed(2)}× | target ≤ 2.5× |`,
);
row('caption matMul gradients [50,512]×[512,2048] (dA, dB)', stock.caption, netlens.caption);
lines.push(
  `| caption gradients GFLOP/s | ${(CAPTION_FLOPS / stock.caption.median / 1e6).toFixed(1)} | ${(CAPTION_FLOPS / netlens.caption.median / 1e6).toFixed(1)} | |`,
);
stock.kernels.forEach(([name, measurement], i) => {
  row(name, measurement, netlens.kernels[i][1]);
});
lines.push('');
lines.push(
  `Input gradients, stock vs netlens: max abs diff ${mapDiff.toExponential(2)} (max |gradient| ${mapMax.toExponential(2)}).`,
);

// The PyTorch peer, measured in this same run (Debian's python3-torch; see bench/pytorch/squeezenet.py).
const { torch, unavailable } = runPytorchPeer('squeezenet.py', [String(REPS)]);
if (torch) {
  // SqueezeNet 1.1 at 224²: 0.349 G multiply-adds per image; backward to the input costs as much again.
  const forwardGflop = 5 * 0.698;
  const peak = Number(args.get('peak-gflops') ?? 184);
  const percent = (gflop, ms) => `${((gflop / peak / ms) * 1e5).toFixed(1)} %`;
  lines.push('');
  lines.push(
    `PyTorch ${torch.torch} (${torch.threads} threads, OpenBLAS + oneDNN), same run, same workloads:`,
  );
  lines.push('');
  lines.push(
    '| workload | PyTorch ms | netlens wasm ms | netlens / PyTorch | PyTorch % of limit | netlens % of limit |',
  );
  lines.push('|---|---|---|---|---|---|');
  for (const [name, key, gflop] of [
    ['SqueezeNet 1.1 forward, N=5', 'forward', forwardGflop],
    ['SqueezeNet 1.1 input gradient, N=5', 'saliency', 2 * forwardGflop],
  ]) {
    lines.push(
      `| ${name} | ${cell(torch[key])} | ${cell(netlens[key])} | ${(netlens[key].median / torch[key].median).toFixed(2)}× | ${percent(gflop, torch[key].median)} | ${percent(gflop, netlens[key].median)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Limit: the FLOPs over ${peak} GFLOP/s, this machine's measured FP32 peak (2-thread OpenBLAS sgemm).`,
  );
} else {
  lines.push('');
  lines.push(unavailable);
}
console.log(lines.join('\n'));
