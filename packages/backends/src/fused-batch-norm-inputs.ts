import * as tf from '@tensorflow/tfjs-core';
import { FusedBatchNorm, type NamedAttrMap, type NamedTensorMap } from '@tensorflow/tfjs-core';

// tfjs 4.22 cannot differentiate `FusedBatchNorm` without a scale or an offset, which is how Keras
// `BatchNormalization(scale=False)` (every InceptionV3 block) and `center=False` run, in LayersModels
// and converted graphs alike: `tf.batchNorm` passes `{scale: undefined}` to the kernel, the engine
// saves `inputs.scale` for the gradient (`clone(undefined)` throws "reading 'dataId'" on cpu,
// "reading 'dtype'" on wasm), and the tape then reads `.id` of every input of the node. No gradient
// config can fix that (tensorflow/tfjs#2868). So while a gradient tape records, netlens hands the
// kernel the identity scale (ones) and offset (zeros) that the kernels assume anyway: the output is
// the same and tfjs-core's own FusedBatchNorm gradient then holds for x, mean, variance, scale and
// offset. Outside a tape (inference) nothing changes.

const INSTALLED = Symbol.for('@netlens/backends/fused-batch-norm-inputs');

type KernelRunner = (
  kernelName: string,
  inputs: NamedTensorMap,
  attrs?: NamedAttrMap,
) => tf.Tensor | tf.Tensor[];

interface PatchableEngine {
  runKernel: KernelRunner;
  isTapeOn(): boolean;
  [INSTALLED]?: KernelRunner;
}

function engine(): PatchableEngine {
  return tf.engine() as unknown as PatchableEngine;
}

/**
 * Makes `FusedBatchNorm` without scale or offset differentiable on every backend (idempotent; the
 * engine is shared by every copy of tfjs-core, so the mark lives on it). The side-effect entry
 * `gradients.ts` calls it.
 */
export function installFusedBatchNormInputs(): void {
  const target = engine();
  if (target[INSTALLED] !== undefined) return;
  const runKernel = target.runKernel;
  target[INSTALLED] = runKernel;
  target.runKernel = function (this: PatchableEngine, kernelName, inputs, attrs) {
    if (
      kernelName !== FusedBatchNorm ||
      (inputs.scale != null && inputs.offset != null) ||
      !this.isTapeOn() ||
      inputs.mean == null
    ) {
      return runKernel.call(this, kernelName, inputs, attrs);
    }
    const { shape } = inputs.mean;
    const fillers: tf.Tensor[] = [];
    const complete: NamedTensorMap = { ...inputs };
    for (const [name, value] of [
      ['scale', 1],
      ['offset', 0],
    ] as const) {
      if (complete[name] == null) {
        const filler = value === 1 ? tf.ones(shape) : tf.zeros(shape);
        fillers.push(filler);
        complete[name] = filler;
      }
    }
    try {
      return runKernel.call(this, kernelName, complete, attrs);
    } finally {
      // The tape keeps its own clones of what the gradient needs.
      tf.dispose(fillers);
    }
  };
}

/** Whether {@link installFusedBatchNormInputs} is in effect. */
export function fusedBatchNormInputsInstalled(): boolean {
  return engine()[INSTALLED] !== undefined;
}

/** Restores the engine's own `runKernel` (for tests that show the gap it closes). */
export function uninstallFusedBatchNormInputs(): void {
  const target = engine();
  const original = target[INSTALLED];
  if (original === undefined) return;
  if (original === Object.getPrototypeOf(target).runKernel) {
    delete (target as Partial<PatchableEngine>).runKernel;
  } else {
    target.runKernel = original;
  }
  delete target[INSTALLED];
}
