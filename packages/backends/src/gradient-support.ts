import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier } from './contract/image-classifier';
import { type GradientGap, InvalidArgumentError, UnsupportedGradientError } from './errors';
import { type GraphModelLike, graphNodes } from './from-graph-model';
import { fusedBatchNormInputsInstalled } from './fused-batch-norm-inputs';

/**
 * The kernels each forward kernel's gradient runs, where it needs more than elementwise math.
 * Fused ops have no registered gradient but differentiate through `customGrad` with these kernels.
 */
const GRADIENT_KERNELS: Readonly<Record<string, readonly string[]>> = {
  Conv2D: ['Conv2DBackpropInput', 'Conv2DBackpropFilter'],
  FusedConv2D: ['Conv2DBackpropInput', 'Conv2DBackpropFilter'],
  Conv2DBackpropInput: ['Conv2D', 'Conv2DBackpropFilter'],
  DepthwiseConv2dNative: ['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'],
  FusedDepthwiseConv2D: ['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'],
  Conv3D: ['Conv3DBackpropInputV2', 'Conv3DBackpropFilterV2'],
  MaxPool: ['MaxPoolGrad'],
  AvgPool: ['AvgPoolGrad'],
  MaxPool3D: ['MaxPool3DGrad'],
  AvgPool3D: ['AvgPool3DGrad'],
  GatherV2: ['UnsortedSegmentSum'],
  ResizeBilinear: ['ResizeBilinearGrad'],
  ResizeNearestNeighbor: ['ResizeNearestNeighborGrad'],
  Dilation2D: ['Dilation2DBackpropInput', 'Dilation2DBackpropFilter'],
  LRN: ['LRNGrad'],
  BatchMatMul: ['BatchMatMul'],
  _FusedMatMul: ['BatchMatMul'],
};

/** Kernels without a registered gradient whose ops differentiate through `customGrad`. */
const CUSTOM_GRADIENT_KERNELS = new Set(['FusedConv2D', 'FusedDepthwiseConv2D', '_FusedMatMul']);

/** Kernels that never sit on an input's gradient path (they read shapes, constants or make values). */
const NO_GRADIENT_NEEDED = new Set([
  'Shape',
  'Fill',
  'OnesLike',
  'ZerosLike',
  'Range',
  'RandomUniform',
  'RandomNormal',
  'RandomStandardNormal',
  'ArgMax',
  'ArgMin',
  'Equal',
  'NotEqual',
  'Greater',
  'GreaterEqual',
  'Less',
  'LessEqual',
  'LogicalAnd',
  'LogicalOr',
  'LogicalNot',
  'IsNan',
  'IsInf',
  'IsFinite',
  'OneHot',
  'TopK',
]);

/** GraphDef ops that need `executeAsync`, which cannot run inside a gradient tape. */
const CONTROL_FLOW_OPS = new Set([
  'Enter',
  'Exit',
  'Merge',
  'Switch',
  'LoopCond',
  'NextIteration',
  'If',
  'StatelessIf',
  'While',
  'StatelessWhile',
  'NonMaxSuppressionV2',
  'NonMaxSuppressionV3',
  'NonMaxSuppressionV5',
  'Where',
]);

/** The result of {@link checkGradientSupport}. */
export interface GradientSupportReport {
  /** The backend checked (`tf.getBackend()` unless another was named). */
  backend: string;
  /** Forward kernels the model ran, in first-use order. */
  kernels: readonly string[];
  /** Ops whose gradient cannot be computed on `backend`; empty when everything works. */
  gaps: readonly GradientGap[];
  /** Registered backends that have every kernel the gradients need. */
  workingBackends: readonly string[];
}

function gapsFor(kernels: readonly string[], backend: string): GradientGap[] {
  const gaps: GradientGap[] = [];
  const seen = new Set<string>();
  for (const kernel of kernels) {
    // `tf.customGrad` forwards (fused conv and matMul in tfjs-layers, user custom gradients) are
    // profiled under their op scope, `name__op`; their gradient is the custom one, and the kernels it
    // runs are profiled and checked on their own.
    if (NO_GRADIENT_NEEDED.has(kernel) || kernel.endsWith('__op')) continue;
    if (!CUSTOM_GRADIENT_KERNELS.has(kernel) && tf.getGradient(kernel) === undefined) {
      if (!seen.has(kernel)) gaps.push({ op: kernel, reason: 'tfjs-core defines no gradient for it' });
      seen.add(kernel);
      continue;
    }
    for (const needed of GRADIENT_KERNELS[kernel] ?? []) {
      if (seen.has(needed) || tf.getKernel(needed, backend) !== undefined) continue;
      seen.add(needed);
      gaps.push({
        op: needed,
        reason: `the gradient of ${kernel} needs kernel '${needed}', missing on '${backend}'`,
      });
    }
  }
  return gaps;
}

/**
 * Kernels recorded with an absent optional input (`tf.batchNorm` without scale passes
 * `{scale: undefined}`): tfjs' tape reads every input of a recorded kernel, so their gradients throw
 * a TypeError on every backend (tensorflow/tfjs#2868), except where netlens completes the inputs.
 * Stock fused ops are exempt: their `customGrad` records its own defined inputs.
 */
function missingInputGaps(kernels: readonly string[]): GradientGap[] {
  return kernels
    .filter(
      (kernel) =>
        !CUSTOM_GRADIENT_KERNELS.has(kernel) &&
        !(kernel === 'FusedBatchNorm' && fusedBatchNormInputsInstalled()),
    )
    .map((op) => ({
      op,
      reason: "it runs with a missing optional input, which tfjs' gradient tape cannot record",
    }));
}

/**
 * The runtimes whose kernels netlens can register without activating the backend, as
 * `selectBackend` would load them (cpu; wasm with netlens' gradient kernels), so that a report for a
 * backend does not depend on which one is active.
 */
const RUNTIME_ENTRIES: Readonly<Record<string, () => Promise<unknown>>> = {
  cpu: () => import('./runtimes/cpu'),
  wasm: () => import('./runtimes/wasm'),
};

async function loadRuntimeKernels(backend: string): Promise<void> {
  const load = RUNTIME_ENTRIES[backend];
  if (load === undefined) return;
  try {
    await load();
  } catch {
    // Left as registered: the report then names the kernels the backend lacks.
  }
}

function registeredBackends(): string[] {
  const registry =
    (tf.engine() as unknown as { registryFactory?: Record<string, unknown> }).registryFactory ?? {};
  return Object.keys(registry);
}

/**
 * Lists the operations on a model's gradient path that a backend (or tfjs-core itself) cannot
 * differentiate, before any algorithm runs. It runs one forward pass on a single blank image to see
 * which kernels the model uses, then checks each kernel's gradient and the kernels that gradient needs.
 *
 * ```ts
 * const report = await checkGradientSupport(classifier);
 * if (report.gaps.length > 0) console.log(report.gaps, 'try', report.workingBackends);
 * ```
 * The answer for a backend does not depend on which backend is active: the forward kernels are the
 * same on every backend, and the cpu and wasm runtimes are loaded as `selectBackend` would load them
 * (netlens' wasm gradient kernels included) before their kernels are looked up. Kernels recorded
 * with a missing optional input are reported too (their gradients throw on every backend).
 *
 * @param model - the classifier to check; for a GraphModel pass `{ classifier, graph }` so control-flow ops are found too.
 * @param backend - the tfjs backend name to check (`'cpu'`, `'wasm'`, `'webgl'`, `'webgpu'`,
 *   `'tensorflow'`). Default: the active one.
 */
export async function checkGradientSupport(
  model: ImageClassifier | { classifier: ImageClassifier; graph: GraphModelLike },
  backend: string = tf.getBackend(),
): Promise<GradientSupportReport> {
  const classifier = 'classifier' in model ? model.classifier : model;
  if (classifier?.specificationVersion !== 'v1') {
    throw new InvalidArgumentError(
      'model',
      'an ImageClassifier (specificationVersion v1)',
      String(classifier),
    );
  }
  const controlFlow =
    'graph' in model
      ? [...new Set(graphNodes(model.graph).map((node) => node.op))].filter((op) => CONTROL_FLOW_OPS.has(op))
      : [];
  const [height, width, channels] = classifier.inputShape;
  const probe = tf.zeros([1, height ?? 32, width ?? 32, channels]) as tf.Tensor4D;
  let kernels: string[];
  let missingInputs: string[];
  try {
    const info = await tf.profile(() => {
      classifier.logits(probe).dispose();
    });
    kernels = [...new Set(info.kernelNames)];
    missingInputs = [
      ...new Set(
        info.kernels
          .filter((kernel) => kernel.inputShapes.some((shape) => shape == null))
          .map((kernel) => kernel.name),
      ),
    ];
  } finally {
    probe.dispose();
  }
  await loadRuntimeKernels(backend);
  const gaps: GradientGap[] = [
    ...controlFlow.map((op) => ({
      op,
      reason: 'control flow needs executeAsync, which cannot be differentiated',
    })),
    ...missingInputGaps(missingInputs),
    ...gapsFor(kernels, backend),
  ];
  const workingBackends =
    controlFlow.length > 0 || missingInputGaps(missingInputs).length > 0
      ? []
      : registeredBackends().filter((name) => gapsFor(kernels, name).length === 0);
  return { backend, kernels, gaps, workingBackends };
}

/**
 * Throws {@link UnsupportedGradientError} when {@link checkGradientSupport} finds a gap.
 * @param model - as for {@link checkGradientSupport}.
 * @param backend - the backend to check. Default: the active one.
 */
export async function assertGradientSupport(
  model: Parameters<typeof checkGradientSupport>[0],
  backend: string = tf.getBackend(),
): Promise<void> {
  const report = await checkGradientSupport(model, backend);
  if (report.gaps.length > 0)
    throw new UnsupportedGradientError(report.backend, report.gaps, report.workingBackends);
}

const KERNEL_MISSING = /Kernel '([^']+)' not registered for backend '([^']+)'/;
const GRADIENT_MISSING = /gradient function not found for (\w+)/;
// What tfjs' engine and tape throw when a recorded kernel lacks an input (they read these fields).
const TAPE_INPUT_MISSING =
  /Cannot read propert(?:y|ies) of (?:undefined|null) \(reading '(dataId|id|dtype|shape|rank)'\)/;

/**
 * Turns tfjs' raw "Kernel 'X' not registered for backend 'Y'" and "gradient function not found for X"
 * errors into an {@link UnsupportedGradientError} that names a backend that can run it, and the
 * TypeError tfjs throws for a kernel recorded with a missing input ("Cannot read properties of
 * undefined (reading 'dataId')") into one that says so and points at {@link checkGradientSupport};
 * other errors are returned unchanged. Algorithms call it in their `catch` so users never see a raw
 * kernel error.
 */
export function explainGradientError(error: unknown): unknown {
  const message = error instanceof Error ? error.message : String(error);
  const kernel = KERNEL_MISSING.exec(message);
  if (kernel) {
    const [, op, backend] = kernel as unknown as [string, string, string];
    const working = registeredBackends().filter((name) => tf.getKernel(op, name) !== undefined);
    return new UnsupportedGradientError(backend, [{ op, reason: `kernel missing on '${backend}'` }], working);
  }
  const gradient = GRADIENT_MISSING.exec(message);
  if (gradient) {
    const op = gradient[1] as string;
    return new UnsupportedGradientError(
      tf.getBackend(),
      [{ op, reason: 'tfjs-core defines no gradient for it' }],
      [],
    );
  }
  const tape = error instanceof TypeError ? TAPE_INPUT_MISSING.exec(message) : null;
  if (tape) {
    return new UnsupportedGradientError(
      tf.getBackend(),
      [
        {
          op: 'a kernel with a missing input',
          reason: `tfjs' gradient tape failed with "${message}"; checkGradientSupport(model) names the kernel`,
        },
      ],
      [],
    );
  }
  return error;
}
