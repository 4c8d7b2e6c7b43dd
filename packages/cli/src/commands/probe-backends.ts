import { BACKEND_NAMES, type BackendName, gradientScope, selectBackend } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** One row of the backend table. */
export interface BackendProbe {
  backend: BackendName;
  /** Whether the backend initialised here. */
  works: boolean;
  /** What was set up, or why it could not be. */
  detail: string;
  /** Median milliseconds of one conv-net input gradient (see {@link probeBackends}), when timed. */
  gradientMs?: number;
}

/** Options for {@link probeBackends}. */
export interface ProbeOptions {
  /** Also time a conv-net input gradient on each working backend. Default false. */
  timing?: boolean;
  /** Backends to probe. Default: all. */
  backends?: readonly BackendName[];
}

function convNetGradient(seedTensors: { w1: tf.Tensor4D; w2: tf.Tensor4D; w3: tf.Tensor2D; x: tf.Tensor4D }) {
  const { w1, w2, w3, x } = seedTensors;
  // Probing a backend that lacks a gradient kernel throws mid-tape; the scope frees what it saved.
  return gradientScope(() =>
    tf.tidy(
      () =>
        tf.grad((input: tf.Tensor) => {
          let h = tf.relu(tf.conv2d(input as tf.Tensor4D, w1, 1, 'same'));
          h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
          h = tf.relu(tf.conv2d(h as tf.Tensor4D, w2, 1, 'same'));
          h = tf.maxPool(h as tf.Tensor4D, 2, 2, 'valid');
          const logits = tf.matMul(tf.reshape(h, [input.shape[0], -1]), w3);
          return tf.sum(tf.mul(logits, tf.oneHot([1, 2, 3, 4], 10)));
        })(x) as tf.Tensor4D,
    ),
  );
}

async function timeGradient(): Promise<number> {
  const tensors = {
    w1: tf.randomNormal([3, 3, 3, 16], 0, 0.2, 'float32', 1) as tf.Tensor4D,
    w2: tf.randomNormal([3, 3, 16, 32], 0, 0.1, 'float32', 2) as tf.Tensor4D,
    w3: tf.randomNormal([16 * 16 * 32, 10], 0, 0.01, 'float32', 3) as tf.Tensor2D,
    x: tf.randomUniform([4, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D,
  };
  try {
    const times: number[] = [];
    for (let rep = 0; rep < 7; rep++) {
      const start = performance.now();
      const gradient = convNetGradient(tensors);
      await gradient.data();
      gradient.dispose();
      if (rep >= 2) times.push(performance.now() - start);
    }
    times.sort((a, b) => a - b);
    return times[Math.floor(times.length / 2)] as number;
  } finally {
    tf.dispose(Object.values(tensors));
  }
}

/**
 * Tries every netlens backend in this process and reports which work and why the others do not;
 * with `timing`, also the median time of one input gradient of a small conv net
 * (`[4, 64, 64, 3]` → conv 16 → pool → conv 32 → pool → dense 10).
 */
export async function probeBackends(options: ProbeOptions = {}): Promise<BackendProbe[]> {
  const rows: BackendProbe[] = [];
  for (const backend of options.backends ?? BACKEND_NAMES) {
    try {
      const selected = await selectBackend(backend, { readEnvironment: false });
      const detail = selected.reason.split(': ').slice(1).join(': ') || selected.reason;
      const row: BackendProbe = { backend, works: true, detail };
      if (options.timing) row.gradientMs = await timeGradient();
      rows.push(row);
    } catch (error) {
      const failure = (error as { failures?: { reason: string }[] }).failures?.[0]?.reason;
      rows.push({ backend, works: false, detail: failure ?? String((error as Error).message ?? error) });
    }
  }
  return rows;
}

/** Renders probe rows as a Markdown table. */
export function formatBackendTable(rows: readonly BackendProbe[]): string {
  const timed = rows.some((row) => row.gradientMs !== undefined);
  const header = timed
    ? '| backend | works here | conv-net input gradient (ms) | detail |\n|---|---|---|---|'
    : '| backend | works here | detail |\n|---|---|---|';
  const lines = rows.map((row) => {
    const works = row.works ? 'yes' : 'no';
    const time = row.gradientMs === undefined ? '–' : row.gradientMs.toFixed(1);
    const detail = row.detail.replace(/\|/g, '\\|');
    return timed
      ? `| ${row.backend} | ${works} | ${time} | ${detail} |`
      : `| ${row.backend} | ${works} | ${detail} |`;
  });
  return [header, ...lines].join('\n');
}
