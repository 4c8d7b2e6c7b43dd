import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { UnsupportedGradientError } from './errors';
import { fromFunction } from './from-function';
import { fromGraphModel } from './from-graph-model';
import { fromLayersModel } from './from-layers-model';
import { assertGradientSupport, checkGradientSupport, explainGradientError } from './gradient-support';
import { selectBackend } from './select-backend';
import {
  createTinyConvNet,
  createTinyGraphModel,
  createTinyLayersModel,
  describeOnBackends,
  expectNoLeak,
} from './testing/index';
import { installWasmGradients, uninstallWasmGradients } from './wasm/install';

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
});
