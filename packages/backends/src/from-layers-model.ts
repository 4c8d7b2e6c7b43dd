import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier, LayerIntervention } from './contract/image-classifier';
import type { Preprocess } from './contract/preprocess';
import { InvalidArgumentError, NetlensError } from './errors';
import { fromFunction } from './from-function';
import { type ClassifierOptions, checkLayerNames, imageInputShape } from './internal/classifier-options';

/** The parts of a tfjs-layers `SymbolicTensor` the adapter reads. */
export interface SymbolicTensorLike {
  readonly id: number;
  readonly name: string;
  readonly shape: readonly (number | null)[];
}

/** The parts of a tfjs-layers `Node` (a call of a layer) the adapter reads. */
export interface LayerNodeLike {
  readonly inputTensors: readonly SymbolicTensorLike[];
  readonly outputTensors: readonly SymbolicTensorLike[];
}

/** The parts of a tfjs-layers `Layer` the adapter reads. */
export interface LayerLike {
  readonly name: string;
  readonly inboundNodes: readonly LayerNodeLike[];
  getClassName(): string;
  getConfig(): { activation?: unknown; useBias?: unknown; [key: string]: unknown };
  getWeights(): tf.Tensor[];
  apply(inputs: tf.Tensor | tf.Tensor[], kwargs?: Record<string, unknown>): unknown;
}

/**
 * The parts of a tfjs-layers `LayersModel` the adapter reads. Typed structurally so that this package
 * does not depend on `@tensorflow/tfjs-layers`; any `tf.LayersModel` or `tf.Sequential` fits.
 */
export interface LayersModelLike {
  readonly inputs: readonly SymbolicTensorLike[];
  readonly outputs: readonly SymbolicTensorLike[];
  readonly layers: readonly LayerLike[];
}

/** Options for {@link fromLayersModel}. */
export interface FromLayersModelOptions extends ClassifierOptions {
  /** Preprocessing from `[0, 1]` pixels to what the model was trained on. Default `'none'`. */
  preprocess?: Preprocess;
}

interface Step {
  layer: LayerLike;
  node: LayerNodeLike;
  /** The final layer with its softmax removed: `'input'` returns its input, `'dense'` recomputes it linearly. */
  strip?: 'input' | 'dense';
}

function isSoftmax(activation: unknown): boolean {
  if (typeof activation === 'string') return activation.toLowerCase() === 'softmax';
  if (activation !== null && typeof activation === 'object' && 'className' in activation) {
    return String((activation as { className: unknown }).className).toLowerCase() === 'softmax';
  }
  return false;
}

function planExecution(model: LayersModelLike): { steps: Step[]; output: SymbolicTensorLike } {
  const [input] = model.inputs;
  const [output] = model.outputs;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || !input || !output) {
    throw new InvalidArgumentError(
      'model',
      'a LayersModel with one image input and one output',
      `${model.inputs.length} inputs and ${model.outputs.length} outputs`,
    );
  }
  const known = new Set<number>([input.id]);
  const steps: Step[] = [];
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    const node = layer.inboundNodes.find(
      (candidate) =>
        candidate.inputTensors.length > 0 && candidate.inputTensors.every((tensor) => known.has(tensor.id)),
    );
    if (!node) continue;
    for (const tensor of node.outputTensors) known.add(tensor.id);
    steps.push({ layer, node });
  }
  const last = steps.at(-1);
  if (!known.has(output.id) || !last?.node.outputTensors.some((tensor) => tensor.id === output.id)) {
    throw new NetlensError(
      'UNSUPPORTED_MODEL',
      'Could not order the layers of this LayersModel from input to output.',
    );
  }
  const className = last.layer.getClassName();
  const config = last.layer.getConfig();
  if (className === 'Softmax' || (className === 'Activation' && isSoftmax(config.activation))) {
    last.strip = 'input';
  } else if (isSoftmax(config.activation)) {
    if (className !== 'Dense') {
      throw new NetlensError(
        'UNSUPPORTED_MODEL',
        `The final layer '${last.layer.name}' (${className}) applies softmax inside itself; netlens can remove ` +
          'a softmax only from Dense, Activation and Softmax layers. Wrap the model with fromFunction instead.',
      );
    }
    last.strip = 'dense';
  }
  return { steps, output };
}

/**
 * Adapts a tfjs-layers model (`tf.LayersModel`, `tf.Sequential`) to the {@link ImageClassifier}
 * contract: removes a final softmax so algorithms see logits, runs in inference mode, applies
 * `preprocess` inside the differentiable graph, and makes every top-level layer tappable by name.
 *
 * ```ts
 * const classifier = fromLayersModel(await tf.loadLayersModel('model.json'), { preprocess: 'inception' });
 * const [features] = classifier.activations!(images, ['conv_pw_13_relu']);
 * ```
 * @param model - a LayersModel with one `[batch, h, w, c]` input and one `[batch, classes]` output.
 * @param options - preprocessing and class names.
 * @returns an {@link ImageClassifier} whose `layerNames` are the model's layer names.
 */
export function fromLayersModel(
  model: LayersModelLike,
  options: FromLayersModelOptions = {},
): ImageClassifier {
  if (model === null || typeof model !== 'object' || !Array.isArray(model.layers)) {
    throw new InvalidArgumentError('model', 'a tfjs-layers LayersModel', String(model));
  }
  const inputShape = imageInputShape(model.inputs[0]?.shape, 'model');
  const outputShape = model.outputs[0]?.shape ?? [];
  const numClasses = outputShape[1];
  if (outputShape.length !== 2 || typeof numClasses !== 'number') {
    throw new InvalidArgumentError(
      'model',
      'an output of shape [batch, classes]',
      `[${outputShape.join(', ')}]`,
    );
  }
  const { steps, output } = planExecution(model);
  const layerNames = steps.map((step) => step.layer.name);
  const inputId = model.inputs[0]!.id;

  // Counts how many later steps read each symbolic tensor, so intermediates can be freed early.
  const readers = new Map<number, number>();
  for (const step of steps) {
    for (const tensor of step.node.inputTensors) readers.set(tensor.id, (readers.get(tensor.id) ?? 0) + 1);
  }

  const run: NonNullable<Parameters<typeof fromFunction>[1]['layers']>['run'] = (
    preprocessed,
    outputs,
    interventions,
  ) => {
    checkLayerNames([...outputs, ...Object.keys(interventions)], layerNames);
    const wanted = new Set(outputs);
    const values = new Map<number, tf.Tensor>([[inputId, preprocessed]]);
    const remaining = new Map(readers);
    const activations = new Map<string, tf.Tensor>();
    // Tensors an intervention returned may belong to the caller (`{conv5: () => a}`): never freed here.
    const supplied = new Set<tf.Tensor>();
    let logits: tf.Tensor | undefined;
    for (const step of steps) {
      const { layer, node } = step;
      const inputs = node.inputTensors.map((tensor) => values.get(tensor.id) as tf.Tensor);
      const argument = inputs.length === 1 ? (inputs[0] as tf.Tensor) : inputs;
      let result: tf.Tensor;
      if (step.strip === 'input') {
        result = inputs[0] as tf.Tensor;
      } else if (step.strip === 'dense') {
        const [kernel, bias] = layer.getWeights();
        const flat = argument as tf.Tensor2D;
        result = tf.matMul(flat, kernel as tf.Tensor2D);
        if (layer.getConfig().useBias !== false && bias) result = tf.add(result, bias);
      } else {
        const produced = layer.apply(argument, { training: false });
        if (!(produced instanceof tf.Tensor)) {
          throw new NetlensError(
            'UNSUPPORTED_MODEL',
            `Layer '${layer.name}' returned several outputs; netlens adapters support single-output layers.`,
          );
        }
        result = produced;
      }
      const intervene: LayerIntervention | undefined = interventions[layer.name];
      if (intervene) {
        const replaced = intervene(result);
        if (!tf.util.arraysEqual(replaced.shape, result.shape)) {
          throw new InvalidArgumentError(
            `interventions['${layer.name}']`,
            `a tensor of the activation's shape [${result.shape}]`,
            `shape [${replaced.shape}]`,
          );
        }
        supplied.add(replaced);
        result = replaced;
      }
      const [produced] = node.outputTensors;
      values.set(produced!.id, result);
      if (wanted.has(layer.name)) activations.set(layer.name, result);
      if (produced!.id === output.id) logits = result;
      for (const tensor of node.inputTensors) {
        const left = (remaining.get(tensor.id) ?? 1) - 1;
        remaining.set(tensor.id, left);
        const value = values.get(tensor.id);
        if (
          left === 0 &&
          tensor.id !== inputId &&
          value &&
          !supplied.has(value) &&
          !isKept(value, activations, result)
        ) {
          value.dispose();
        }
      }
    }
    return {
      logits: logits as tf.Tensor2D,
      activations: outputs.map((name) => activations.get(name) as tf.Tensor),
    };
  };

  return fromFunction((preprocessed) => run(preprocessed, [], {}).logits, {
    inputShape,
    numClasses,
    ...(options.classNames ? { classNames: options.classNames } : {}),
    ...(options.preprocess ? { preprocess: options.preprocess } : {}),
    layers: { names: layerNames, run },
  });
}

function isKept(value: tf.Tensor, activations: Map<string, tf.Tensor>, current: tf.Tensor): boolean {
  if (value === current) return true;
  for (const kept of activations.values()) if (kept === value) return true;
  return false;
}
