// Spawned by gradient-support.node.test.ts in a fresh process: sets up one backend through
// selectBackend (NETLENS_FIXTURE_BACKEND), then asks checkGradientSupport about cpu and wasm and
// writes the reports, with what was registered before the check, to NETLENS_FIXTURE_OUTPUT.
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { it } from 'vitest';
import { fromFunction } from '../from-function';
import { checkGradientSupport } from '../gradient-support';
import { seededValues } from '../seeded-random';
import { selectBackend } from '../select-backend';

function registered(): string[] {
  const registry =
    (tf.engine() as unknown as { registryFactory?: Record<string, unknown> }).registryFactory ?? {};
  return Object.keys(registry).sort();
}

/** conv → batchNorm without scale → relu → depthwise conv → overlapping max pool → mean → dense. */
function convNet() {
  const filter = tf.tensor4d(seededValues(3 * 3 * 3 * 4, 91, -0.5, 0.5), [3, 3, 3, 4]);
  const mean = tf.tensor1d(seededValues(4, 92, -0.2, 0.2));
  const variance = tf.tensor1d(seededValues(4, 93, 0.5, 1.5));
  const offset = tf.tensor1d(seededValues(4, 94, -0.2, 0.2));
  const depthwise = tf.tensor4d(seededValues(3 * 3 * 4, 95, -0.5, 0.5), [3, 3, 4, 1]);
  const dense = tf.tensor2d(seededValues(4 * 3, 96, -1, 1), [4, 3]);
  const classifier = fromFunction(
    (x) =>
      tf.tidy(() => {
        const convolved = tf.conv2d(x, filter, 1, 'same');
        const normalised = tf.relu(tf.batchNorm(convolved, mean, variance, offset, undefined, 1e-3));
        const spatial = tf.depthwiseConv2d(normalised, depthwise, 1, 'same');
        const pooled = tf.maxPool(spatial, 3, 2, 'valid');
        return tf.matMul(tf.mean(pooled, [1, 2]), dense) as tf.Tensor2D;
      }),
    { inputShape: [9, 9, 3], numClasses: 3 },
  );
  return { classifier, weights: [filter, mean, variance, offset, depthwise, dense] };
}

/** The same after a strided slice, which tfjs-core cannot differentiate: a gap on every backend. */
function slicingNet(inner: ReturnType<typeof convNet>) {
  return fromFunction(
    (x) =>
      tf.tidy(() =>
        inner.classifier.logits(
          tf.stridedSlice(x, [0, 0, 0, 0], [x.shape[0], 9, 9, 3], [1, 1, 1, 1]) as tf.Tensor4D,
        ),
      ),
    { inputShape: [10, 10, 3], numClasses: 3 },
  );
}

it('writes the gradient-support reports of a process with one backend set up', async () => {
  const backend = process.env.NETLENS_FIXTURE_BACKEND ?? '';
  const output = process.env.NETLENS_FIXTURE_OUTPUT ?? '';
  if (!['cpu', 'wasm'].includes(backend) || output === '') {
    throw new Error('NETLENS_FIXTURE_BACKEND (cpu or wasm) and NETLENS_FIXTURE_OUTPUT must be set');
  }
  const selected = await selectBackend(backend as 'cpu' | 'wasm', { readEnvironment: false });
  const registeredBefore = registered();
  const net = convNet();
  const models = { convNet: net.classifier, slicingNet: slicingNet(net) };
  const reports: Record<string, Record<string, unknown>> = {};
  for (const [name, model] of Object.entries(models)) {
    reports[name] = {};
    // The other backend first, before anything of it is loaded; the active one last.
    for (const checked of backend === 'cpu' ? ['wasm', 'cpu'] : ['cpu', 'wasm']) {
      const numTensors = tf.memory().numTensors;
      (reports[name] as Record<string, unknown>)[checked] = await checkGradientSupport(model, checked);
      if (tf.memory().numTensors !== numTensors) throw new Error(`checkGradientSupport leaked on ${checked}`);
    }
  }
  tf.dispose(net.weights);
  writeFileSync(
    output,
    JSON.stringify({ active: tf.getBackend(), selected: selected.name, registeredBefore, reports }),
  );
});
