import * as tf from '@tensorflow/tfjs-core';
import type { ImageClassifier, LayerIntervention } from './contract/image-classifier';
import type { Preprocess } from './contract/preprocess';
import { InvalidArgumentError, NetlensError } from './errors';
import { fromFunction } from './from-function';
import { type ClassifierOptions, imageInputShape } from './internal/classifier-options';

/** A node of a TensorFlow GraphDef as tfjs-converter stores it in `model.json`. */
export interface GraphNodeLike {
  readonly name: string;
  readonly op: string;
  readonly input?: readonly string[];
}

/**
 * The parts of a tfjs-converter `GraphModel` the adapter reads. Typed structurally so this package
 * does not depend on `@tensorflow/tfjs-converter`; any `tf.GraphModel` fits.
 */
export interface GraphModelLike {
  readonly inputs: readonly { name: string; shape?: number[] }[];
  readonly outputs: readonly { name: string; shape?: number[] }[];
  execute(inputs: tf.NamedTensorMap, outputs: string | string[]): tf.Tensor | tf.Tensor[];
}

/** Options for {@link fromGraphModel}. */
export interface FromGraphModelOptions extends ClassifierOptions {
  /** Preprocessing from `[0, 1]` pixels to what the graph expects. Default `'none'`. */
  preprocess?: Preprocess;
  /** The output node to use when the graph has several. Default: the first output. */
  outputName?: string;
  /** The input node to feed when the graph has several. Default: the first input. */
  inputName?: string;
  /** Class count, when the graph does not record its output shape. Default: read from the graph, else measured with one forward pass. */
  numClasses?: number;
}

/**
 * The GraphDef nodes of a loaded GraphModel (empty when its artifacts are not available). tfjs-converter
 * keeps them in a field its types mark private, so it is read defensively.
 */
export function graphNodes(model: GraphModelLike): GraphNodeLike[] {
  const artifacts = (model as unknown as { artifacts?: { modelTopology?: { node?: unknown } } }).artifacts;
  const topology = artifacts?.modelTopology;
  return Array.isArray(topology?.node) ? (topology.node as GraphNodeLike[]) : [];
}

const nodeName = (tensorName: string) => tensorName.replace(/^\^/, '').split(':')[0] as string;

// Ops that produce a tensor people would call a layer output (the rest are plumbing).
const LAYER_OPS = new Set([
  'Conv2D',
  '_FusedConv2D',
  'DepthwiseConv2dNative',
  'FusedDepthwiseConv2dNative',
  'MaxPool',
  'AvgPool',
  'Relu',
  'Relu6',
  'Elu',
  'Selu',
  'LeakyRelu',
  'Sigmoid',
  'Tanh',
  'ConcatV2',
  'AddV2',
  'Add',
  'Mean',
  'MatMul',
  '_FusedMatMul',
  'BiasAdd',
  'FusedBatchNorm',
  'FusedBatchNormV3',
  'Softmax',
]);

/**
 * Adapts a tfjs-converter `GraphModel` to the {@link ImageClassifier} contract: a final `Softmax` node
 * is bypassed so algorithms see logits, `preprocess` runs inside the differentiable graph, and graph
 * nodes (convolutions, activations, pools, …) are tappable by node name. Graphs with control flow
 * need `executeAsync` and cannot be differentiated; they are refused by the gradient check.
 *
 * ```ts
 * const classifier = fromGraphModel(await loadGraphModel(url), { preprocess: 'inception' });
 * ```
 * @param model - a loaded GraphModel with one NHWC image input.
 * @param options - preprocessing, class names, and which input/output to use.
 */
export function fromGraphModel(model: GraphModelLike, options: FromGraphModelOptions = {}): ImageClassifier {
  if (model === null || typeof model !== 'object' || typeof model.execute !== 'function') {
    throw new InvalidArgumentError('model', 'a tfjs-converter GraphModel', String(model));
  }
  const input = options.inputName
    ? model.inputs.find((candidate) => candidate.name === options.inputName)
    : model.inputs[0];
  const output = options.outputName
    ? model.outputs.find((candidate) => candidate.name === options.outputName)
    : model.outputs[0];
  if (!input) {
    throw new InvalidArgumentError(
      'options.inputName',
      `one of ${model.inputs.map((i) => i.name).join(', ')}`,
      String(options.inputName),
    );
  }
  if (!output) {
    throw new InvalidArgumentError(
      'options.outputName',
      `one of ${model.outputs.map((o) => o.name).join(', ')}`,
      String(options.outputName),
    );
  }
  const inputShape = imageInputShape(input.shape, 'model');
  const nodes = graphNodes(model);
  const byName = new Map(nodes.map((node) => [node.name, node]));

  // Follow Identity nodes back from the output; a Softmax there is bypassed to its logits input.
  let logitsNode = nodeName(output.name);
  for (let node = byName.get(logitsNode); node && node.op === 'Identity' && node.input?.[0]; ) {
    logitsNode = nodeName(node.input[0]);
    node = byName.get(logitsNode);
  }
  const outputNode = byName.get(logitsNode);
  if (outputNode?.op === 'Softmax' && outputNode.input?.[0]) logitsNode = nodeName(outputNode.input[0]);
  else logitsNode = output.name;

  const layerNames = nodes
    .filter((node) => LAYER_OPS.has(node.op) && node.name !== outputNode?.name)
    .map((node) => node.name);

  const asList = (value: tf.Tensor | tf.Tensor[]) => (Array.isArray(value) ? value : [value]);
  const recorded = output.shape?.length === 2 && (output.shape[1] ?? -1) > 0 ? output.shape[1] : undefined;
  const numClasses = options.numClasses ?? recorded ?? measureClasses();
  function measureClasses(): number {
    // Converted graphs often omit output shapes; one forward pass on a blank image tells.
    const [height, width, channels] = inputShape;
    const shape = tf.tidy(() => {
      const probe = tf.zeros([1, height ?? 224, width ?? 224, channels]);
      return asList(model.execute({ [input!.name]: probe }, logitsNode))[0]?.shape ?? [];
    });
    if (shape.length !== 2 || !shape[1]) {
      throw new InvalidArgumentError(
        'model',
        'a graph whose logits are [batch, classes]',
        `shape [${shape.join(', ')}]`,
      );
    }
    return shape[1];
  }

  return fromFunction(
    (preprocessed) => asList(model.execute({ [input.name]: preprocessed }, logitsNode))[0] as tf.Tensor2D,
    {
      inputShape,
      numClasses,
      ...(options.classNames ? { classNames: options.classNames } : {}),
      ...(options.preprocess ? { preprocess: options.preprocess } : {}),
      layers: {
        names: layerNames,
        run(preprocessed, outputs, interventions) {
          const feeds: tf.NamedTensorMap = { [input.name]: preprocessed };
          const intervened = Object.keys(interventions);
          if (intervened.length > 0) {
            const originals = asList(model.execute(feeds, intervened));
            intervened.forEach((name, index) => {
              const original = originals[index] as tf.Tensor;
              const replaced = (interventions[name] as LayerIntervention)(original);
              if (!tf.util.arraysEqual(replaced.shape, original.shape)) {
                throw new InvalidArgumentError(
                  `interventions['${name}']`,
                  `a tensor of the activation's shape [${original.shape}]`,
                  `shape [${replaced.shape}]`,
                );
              }
              feeds[name] = replaced;
            });
          }
          const results = asList(model.execute(feeds, [logitsNode, ...outputs]));
          const [logits, ...activations] = results;
          if (!logits) throw new NetlensError('UNSUPPORTED_MODEL', 'The graph returned no logits.');
          return { logits: logits as tf.Tensor2D, activations };
        },
      },
    },
  );
}
