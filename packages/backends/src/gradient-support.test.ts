import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { UnsupportedGradientError } from './errors';
import { fromFunction } from './from-function';
import { fromGraphModel } from './from-graph-model';
import { fromLayersModel } from './from-layers-model';
import { installFusedBatchNormInputs, uninstallFusedBatchNormInputs } from './fused-batch-norm-inputs';
import { gradientScope } from './gradient-scope';
import { assertGradientSupport, checkGradientSupport, explainGradientError } from './gradient-support';
import { selectBackend } from './select-backend';
import {
  createTinyConvNet,
  createTinyGraphModel,
  createTinyLayersModel,
  describeOnBackends,
  expectNoLeak,
  seededValues,
} from './testing/index';
import { installWasmGradients, uninstallWasmGradients } from './wasm/install';

/**
 * conv → batchNorm without scale (Keras `BatchNormalization(scale=False)`), or with a scale but
 * without offset (`center=False`) → mean → dense.
 */
function createScaleFreeBatchNormNet(without: 'scale' | 'offset' = 'scale') {
  const filter = tf.tensor4d(seededValues(3 * 3 * 3 * 4, 81, -0.5, 0.5), [3, 3, 3, 4]);
  const mean = tf.tensor1d(seededValues(4, 82, -0.2, 0.2));
  const variance = tf.tensor1d(seededValues(4, 83, 0.5, 1.5));
  const offset = tf.tensor1d(seededValues(4, 84, -0.2, 0.2));
  const dense = tf.tensor2d(seededValues(4 * 3, 85, -1, 1), [4, 3]);
  const classifier = fromFunction(
    (x) =>
      tf.tidy(() => {
        const convolved = tf.conv2d(x, filter, 1, 'same');
        const h =
          without === 'scale'
            ? tf.batchNorm(convolved, mean, variance, offset, undefined, 1e-3)
            : tf.batchNorm(convolved, mean, variance, undefined, variance, 1e-3);
        return tf.matMul(tf.mean(tf.relu(h), [1, 2]), dense) as tf.Tensor2D;
      }),
    { inputShape: [6, 6, 3], numClasses: 3 },
  );
  return { classifier, dispose: () => tf.dispose([filter, mean, variance, offset, dense]) };
}

/** The report fields that must not depend on which backend is active. */
const comparable = (report: Awaited<ReturnType<typeof checkGradientSupport>>) => ({
  backend: report.backend,
  kernels: [...report.kernels].sort(),
  gaps: report.gaps,
});

describeOnBackends('gradient capability check', () => {
  it('finds no gap for a conv net on any netlens backend', async () => {
    const tiny = createTinyConvNet(1);
    await expectNoLeak(async () => {
      const report = await checkGradientSupport(tiny.classifier);
      expect(report.gaps).toEqual([]);
      expect(report.kernels).toEqual(expect.arrayContaining(['Conv2D', 'MaxPool', 'Relu', 'BatchMatMul']));
      expect(report.workingBackends).toContain(tf.getBackend());
    });
    tiny.dispose();
  });

  it('finds no gap for a tfjs-layers model with fused conv and dense activations', async () => {
    const model = createTinyLayersModel(1);
    const classifier = fromLayersModel(model);
    await expectNoLeak(async () => {
      const report = await checkGradientSupport(classifier);
      expect(report.gaps).toEqual([]);
      expect(report.kernels.some((kernel) => kernel.endsWith('__op'))).toBe(true);
      // The check agrees with what differentiating actually does.
      const x = tf.ones([1, 8, 8, 3]) as tf.Tensor4D;
      const gradient = tf.grad((input) => tf.sum(classifier.logits(input as tf.Tensor4D)))(x);
      expect(gradient.shape).toEqual([1, 8, 8, 3]);
      tf.dispose([x, gradient]);
    });
    model.dispose();
  });
});

describe('gradient capability check against stock kernels', () => {
  it('names the missing wasm kernel and a backend that has it, before running', async () => {
    await selectBackend('cpu', { readEnvironment: false });
    await selectBackend('wasm', { readEnvironment: false });
    const tiny = createTinyConvNet(1);
    uninstallWasmGradients();
    try {
      const report = await checkGradientSupport(tiny.classifier);
      expect(report.backend).toBe('wasm');
      expect(report.gaps.map((gap) => gap.op)).toContain('Conv2DBackpropFilter');
      expect(report.workingBackends).toContain('cpu');
      expect(report.workingBackends).not.toContain('wasm');
      const error = await assertGradientSupport(tiny.classifier).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnsupportedGradientError);
      expect((error as Error).message).toMatch(/Conv2DBackpropFilter.*Backends that can: .*cpu/);
    } finally {
      installWasmGradients();
      tiny.dispose();
    }
  });

  it('reports ops tfjs-core cannot differentiate at all', async () => {
    await selectBackend('cpu', { readEnvironment: false });
    const classifier = fromFunction(
      (x) =>
        tf.reshape(tf.stridedSlice(x, [0, 0, 0, 0], [x.shape[0], 2, 2, 1], [1, 1, 1, 1]), [
          x.shape[0],
          4,
        ]) as tf.Tensor2D,
      { inputShape: [4, 4, 1], numClasses: 4 },
    );
    const report = await checkGradientSupport(classifier);
    expect(report.gaps).toEqual([{ op: 'StridedSlice', reason: 'tfjs-core defines no gradient for it' }]);
    expect(report.workingBackends).toEqual([]);
  });

  it('accepts GraphModels and reports their kernels', async () => {
    await selectBackend('cpu', { readEnvironment: false });
    const graph = createTinyGraphModel(1);
    const report = await checkGradientSupport({ classifier: fromGraphModel(graph), graph });
    expect(report.gaps).toEqual([]);
    expect(report.kernels).toEqual(expect.arrayContaining(['Conv2D', 'MaxPool', 'BatchMatMul']));
    graph.dispose();
  });

  it('turns raw kernel errors into typed errors', () => {
    const explained = explainGradientError(
      new Error("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'"),
    );
    expect(explained).toBeInstanceOf(UnsupportedGradientError);
    expect((explained as UnsupportedGradientError).gaps[0]?.op).toBe('Conv2DBackpropFilter');
    expect((explained as UnsupportedGradientError).workingBackends).toContain('cpu');
    const other = new Error('something else');
    expect(explainGradientError(other)).toBe(other);
  });

  it('gives the same report for cpu and for wasm whichever of them is active', async () => {
    const tiny = createTinyConvNet(1);
    const layers = createTinyLayersModel(1);
    const net = createScaleFreeBatchNormNet();
    const models = [tiny.classifier, fromLayersModel(layers), net.classifier];
    const reports: Record<string, unknown[]> = {};
    for (const active of ['cpu', 'wasm'] as const) {
      await selectBackend(active, { readEnvironment: false });
      for (const backend of ['cpu', 'wasm']) {
        for (const [index, model] of models.entries()) {
          const report = await checkGradientSupport(model, backend);
          expect(report.gaps, `${backend} while ${active} is active, model ${index}`).toEqual([]);
          const key = `${backend} ${index}`;
          reports[key] = [...(reports[key] ?? []), comparable(report)];
        }
      }
    }
    for (const [key, [whileCpu, whileWasm]] of Object.entries(reports)) {
      expect(whileWasm, key).toEqual(whileCpu);
    }
    tiny.dispose();
    layers.dispose();
    net.dispose();
  });

  it('reports a kernel run with a missing input as a gap until netlens completes it, on every backend alike', async () => {
    await selectBackend('cpu', { readEnvironment: false });
    const net = createScaleFreeBatchNormNet();
    uninstallFusedBatchNormInputs();
    try {
      for (const backend of ['cpu', 'wasm']) {
        const report = await checkGradientSupport(net.classifier, backend);
        expect(report.gaps).toEqual([
          {
            op: 'FusedBatchNorm',
            reason: "it runs with a missing optional input, which tfjs' gradient tape cannot record",
          },
        ]);
        expect(report.workingBackends).toEqual([]);
      }
      const error = await assertGradientSupport(net.classifier).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnsupportedGradientError);
      expect((error as Error).message).toMatch(/FusedBatchNorm/);
      // What differentiating does: tfjs' tape throws a raw TypeError, which is explained. Without an
      // offset (not among the tensors the gradient saves) the failure comes from the tape after
      // recording, and gradientScope frees what was saved: no leak.
      const centerFree = createScaleFreeBatchNormNet('offset');
      expect((await checkGradientSupport(centerFree.classifier)).gaps.map((gap) => gap.op)).toEqual([
        'FusedBatchNorm',
      ]);
      const images = tf.ones([1, 6, 6, 3]) as tf.Tensor4D;
      await expectNoLeak(async () => {
        let raw: unknown;
        try {
          gradientScope(() =>
            tf.tidy(() =>
              tf.grad((x: tf.Tensor) => tf.sum(centerFree.classifier.logits(x as tf.Tensor4D)))(images),
            ),
          );
        } catch (caught) {
          raw = caught;
        }
        expect(raw).toBeInstanceOf(TypeError);
        const explained = explainGradientError(raw);
        expect(explained).toBeInstanceOf(UnsupportedGradientError);
        expect((explained as UnsupportedGradientError).code).toBe('UNSUPPORTED_GRADIENT');
        expect((explained as Error).message).toMatch(/missing input.*reading 'id'.*checkGradientSupport/);
      });
      // Without a scale the engine throws while saving it (reading 'dataId'); explained the same way.
      expect(
        explainGradientError(new TypeError("Cannot read properties of undefined (reading 'dataId')")),
      ).toBeInstanceOf(UnsupportedGradientError);
      images.dispose();
      centerFree.dispose();
    } finally {
      installFusedBatchNormInputs();
    }
    const report = await checkGradientSupport(net.classifier);
    expect(report.gaps).toEqual([]);
    expect(report.workingBackends).toEqual(expect.arrayContaining(['cpu', 'wasm']));
    net.dispose();
  });

  it('leaves TypeErrors that are not about a missing tensor unchanged', () => {
    const other = new TypeError('x.foo is not a function');
    expect(explainGradientError(other)).toBe(other);
    const userBug = new TypeError("Cannot read properties of undefined (reading 'logits')");
    expect(explainGradientError(userBug)).toBe(userBug);
  });
});
