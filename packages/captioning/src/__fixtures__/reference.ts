// Float64 reference implementations of CS231n's captioning equations, written straight from the
// formulas on flat arrays (no tfjs), and a float64 centered-difference gradient. Tests compare the
// float32 tfjs layers and their explicit backward passes against these (tfjs only in tensorOf).

import * as tf from '@tensorflow/tfjs-core';

/** `np.linspace(low, high, num)`. */
export function linspace(low: number, high: number, num: number): Float64Array {
  const values = new Float64Array(num);
  for (let i = 0; i < num; i++) values[i] = num === 1 ? low : low + ((high - low) * i) / (num - 1);
  return values;
}

/** Seeded standard normals in float64 (mulberry32 + Box–Muller). */
export function randn(size: number, seed: number): Float64Array {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const values = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    values[i] = Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  }
  return values;
}

/** `a [n, k] · b [k, m]`. */
export function mm(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  k: number,
  m: number,
): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) {
      const aip = a[i * k + p] as number;
      for (let j = 0; j < m; j++)
        out[i * m + j] = (out[i * m + j] as number) + aip * (b[p * m + j] as number);
    }
  }
  return out;
}

const sigmoid = (value: number) => 1 / (1 + Math.exp(-value));

/** `x·Wx + h·Wh + b` for `N` rows and `G·H` columns. */
function activations(
  x: ArrayLike<number>,
  h: ArrayLike<number>,
  Wx: ArrayLike<number>,
  Wh: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  d: number,
  hidden: number,
  gates: number,
): { ax: Float64Array; ah: Float64Array } {
  const ax = mm(x, Wx, n, d, gates * hidden);
  for (let i = 0; i < ax.length; i++) ax[i] = (ax[i] as number) + (b[i % (gates * hidden)] as number);
  return { ax, ah: mm(h, Wh, n, hidden, gates * hidden) };
}

/** Cell type of the references. */
export type ReferenceCell = 'rnn' | 'lstm' | 'gru';

/** One step of `cell`; `c` is used (and returned) for LSTMs only. */
export function stepReference(
  cell: ReferenceCell,
  x: ArrayLike<number>,
  h: ArrayLike<number>,
  c: ArrayLike<number>,
  Wx: ArrayLike<number>,
  Wh: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  d: number,
  hidden: number,
): { h: Float64Array; c: Float64Array } {
  const gates = { rnn: 1, lstm: 4, gru: 3 }[cell];
  const { ax, ah } = activations(x, h, Wx, Wh, b, n, d, hidden, gates);
  const nextH = new Float64Array(n * hidden);
  const nextC = new Float64Array(n * hidden);
  const width = gates * hidden;
  for (let row = 0; row < n; row++) {
    for (let j = 0; j < hidden; j++) {
      const at = (gate: number) => row * width + gate * hidden + j;
      const k = row * hidden + j;
      if (cell === 'rnn') {
        nextH[k] = Math.tanh((ax[at(0)] as number) + (ah[at(0)] as number));
      } else if (cell === 'lstm') {
        const a = (gate: number) => (ax[at(gate)] as number) + (ah[at(gate)] as number);
        const cell = sigmoid(a(1)) * (c[k] as number) + sigmoid(a(0)) * Math.tanh(a(3));
        nextC[k] = cell;
        nextH[k] = sigmoid(a(2)) * Math.tanh(cell);
      } else {
        const r = sigmoid((ax[at(0)] as number) + (ah[at(0)] as number));
        const z = sigmoid((ax[at(1)] as number) + (ah[at(1)] as number));
        const candidate = Math.tanh((ax[at(2)] as number) + r * (ah[at(2)] as number));
        nextH[k] = (1 - z) * candidate + z * (h[k] as number);
      }
    }
  }
  return { h: nextH, c: nextC };
}

/** A whole sequence `x [N, T, D]` from `h0` (and `c0 = 0`): every hidden state `[N, T, H]`. */
export function sequenceReference(
  cell: ReferenceCell,
  x: ArrayLike<number>,
  h0: ArrayLike<number>,
  Wx: ArrayLike<number>,
  Wh: ArrayLike<number>,
  b: ArrayLike<number>,
  n: number,
  t: number,
  d: number,
  hidden: number,
): Float64Array {
  const out = new Float64Array(n * t * hidden);
  let h: Float64Array = Float64Array.from(h0);
  let c: Float64Array = new Float64Array(n * hidden);
  for (let step = 0; step < t; step++) {
    const xt = new Float64Array(n * d);
    for (let row = 0; row < n; row++) {
      for (let j = 0; j < d; j++) xt[row * d + j] = x[(row * t + step) * d + j] as number;
    }
    ({ h, c } = stepReference(cell, xt, h, c, Wx, Wh, b, n, d, hidden));
    for (let row = 0; row < n; row++) {
      for (let j = 0; j < hidden; j++) out[(row * t + step) * hidden + j] = h[row * hidden + j] as number;
    }
  }
  return out;
}

/** `−Σ mask·log softmax(scores)[y] / N` for scores `[N·T, V]`. */
export function softmaxLossReference(
  scores: ArrayLike<number>,
  y: ArrayLike<number>,
  mask: ArrayLike<number>,
  n: number,
  t: number,
  v: number,
): number {
  let loss = 0;
  for (let row = 0; row < n * t; row++) {
    if (!mask[row]) continue;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < v; j++) max = Math.max(max, scores[row * v + j] as number);
    let sum = 0;
    for (let j = 0; j < v; j++) sum += Math.exp((scores[row * v + j] as number) - max);
    loss -= (scores[row * v + (y[row] as number)] as number) - max - Math.log(sum);
  }
  return loss / n;
}

/** The parameters of a captioner as flat float64 arrays, by CS231n name. */
export type ReferenceParams = Record<
  'W_proj' | 'b_proj' | 'W_embed' | 'Wx' | 'Wh' | 'b' | 'W_vocab' | 'b_vocab',
  Float64Array
>;

/** CS231n's `CaptioningRNN.loss` (loss only) in float64. */
export function captioningLossReference(
  cell: ReferenceCell,
  params: ReferenceParams,
  features: ArrayLike<number>,
  captions: ArrayLike<number>,
  sizes: { n: number; t: number; d: number; w: number; h: number; v: number },
  nullId = 0,
): number {
  const { n, t, d, w, h, v } = sizes;
  const steps = t - 1;
  const h0 = mm(features, params.W_proj, n, d, h);
  for (let i = 0; i < h0.length; i++) h0[i] = (h0[i] as number) + (params.b_proj[i % h] as number);
  const x = new Float64Array(n * steps * w);
  const y: number[] = [];
  const mask: number[] = [];
  for (let row = 0; row < n; row++) {
    for (let step = 0; step < steps; step++) {
      const word = captions[row * t + step] as number;
      for (let j = 0; j < w; j++) x[(row * steps + step) * w + j] = params.W_embed[word * w + j] as number;
      const next = captions[row * t + step + 1] as number;
      y.push(next);
      mask.push(next === nullId ? 0 : 1);
    }
  }
  const hs = sequenceReference(cell, x, h0, params.Wx, params.Wh, params.b, n, steps, w, h);
  const scores = mm(hs, params.W_vocab, n * steps, h, v);
  for (let i = 0; i < scores.length; i++)
    scores[i] = (scores[i] as number) + (params.b_vocab[i % v] as number);
  return softmaxLossReference(scores, y, mask, n, steps, v);
}

/** Float64 centered difference of `f` with respect to every element of `values` (restored after). */
export function numericGradient64(f: () => number, values: Float64Array, delta = 1e-6): Float64Array {
  const gradient = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const original = values[i] as number;
    values[i] = original + delta;
    const plus = f();
    values[i] = original - delta;
    const minus = f();
    values[i] = original;
    gradient[i] = (plus - minus) / (2 * delta);
  }
  return gradient;
}

/** `Σ a·b`. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

/** A float32 tensor from float64 reference values. */
export function tensorOf<R extends tf.Rank>(values: ArrayLike<number>, shape: number[]): tf.Tensor<R> {
  const tensor: tf.Tensor = tf.tensor(Float32Array.from(values), shape, 'float32');
  return tensor as tf.Tensor<R>;
}
