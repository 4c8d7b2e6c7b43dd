import type { ImageClassifier, Preprocess } from '@netlens/backends';
import { ensureGradientOverrides, fromGraphModel, fromLayersModel, NetlensError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { buildWithinBudget } from './bounded-build';

/** The two kinds of TensorFlow.js model a `model.json` can describe. */
export type ModelFormat = 'layers' | 'graph';

/** What {@link buildClassifier} needs besides the artifacts. */
export interface BuildOptions {
  preprocess?: Preprocess;
  classNames?: readonly string[];
  format?: 'auto' | ModelFormat;
}

/** A loaded model adapted to the classifier contract, with what it takes to free it. */
export interface BuiltClassifier {
  classifier: ImageClassifier;
  format: ModelFormat;
  dispose(): void;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Reads the model kind from `model.json`: its `format` field when present, else the topology's
 * shape (a GraphDef has `node`; a Keras topology has `class_name`/`model_config`/`config`).
 */
export function detectFormat(artifacts: tf.io.ModelArtifacts, label: string): ModelFormat {
  const format = String(artifacts.format ?? '').toLowerCase();
  if (format === 'layers-model') return 'layers';
  if (format === 'graph-model') return 'graph';
  const topology = artifacts.modelTopology;
  // Old converted graphs store a binary GraphDef.
  if (topology instanceof ArrayBuffer) return 'graph';
  if (topology !== null && typeof topology === 'object') {
    if (Array.isArray((topology as { node?: unknown }).node)) return 'graph';
    if ('class_name' in topology || 'model_config' in topology || 'config' in topology) return 'layers';
  }
  const shown = artifacts.format === undefined ? 'no format field' : `format '${String(artifacts.format)}'`;
  throw new NetlensError(
    'MODEL_LOAD',
    `${label} is not a model netlens can load (${shown}, and its modelTopology is neither a Keras ` +
      "(tfjs-layers) topology nor a GraphDef). Pass options.format = 'layers' or 'graph' if you know which it is.",
  );
}

/** A handler that returns artifacts already in memory, so tfjs' loaders do not read the source twice. */
const inMemory = (artifacts: tf.io.ModelArtifacts): tf.io.IOHandler => ({ load: async () => artifacts });

type LayersModule = typeof import('@tensorflow/tfjs-layers');

async function importPeer<T>(load: () => Promise<T>, name: string, format: ModelFormat): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new NetlensError(
      'MODEL_LOAD',
      `Loading a ${format} model needs ${name}, which could not be imported (${messageOf(error)}). Install it: npm install ${name}@^4.22.0`,
      { cause: error },
    );
  }
}

type LayersModel = Awaited<ReturnType<LayersModule['models']['modelFromJSON']>>;

/** Manifest entries that do not fit the model's weights, by name and shape, as sentences. */
function weightMismatches(model: LayersModel, specs: readonly tf.io.WeightsManifestEntry[]): string[] {
  const expected = new Map(model.weights.map((weight) => [weight.originalName, weight.shape]));
  const problems: string[] = [];
  for (const spec of specs) {
    const shape = expected.get(spec.name);
    if (shape === undefined) {
      problems.push(`'${spec.name}' matches no weight of the model`);
    } else if (!tf.util.arraysEqual(shape as number[], spec.shape)) {
      problems.push(
        `'${spec.name}' has shape [${spec.shape.join(', ')}] in the manifest but the model needs [${shape.join(', ')}]`,
      );
    }
    expected.delete(spec.name);
  }
  for (const name of expected.keys()) problems.push(`'${name}' is missing from the manifest`);
  return problems;
}

/**
 * Builds a layers model and sets its weights, like `loadLayersModel` but never building more weight
 * values than the manifest holds (a hostile topology is refused before its layers allocate), checking
 * every manifest entry against the built layers (so the error names the tensor) and freeing everything
 * when it fails (tfjs leaks the half-built model). Optimizer state in the manifest is ignored.
 */
async function loadLayers(artifacts: tf.io.ModelArtifacts, label: string): Promise<LayersModel> {
  const layers = await importPeer(
    () => import('@tensorflow/tfjs-layers'),
    '@tensorflow/tfjs-layers',
    'layers',
  );
  // Its first import registers tfjs' stock gradients again over netlens' exact AvgPool and MirrorPad.
  ensureGradientOverrides();
  // The manifest was checked against the weight bytes, so its values bound what the topology may build.
  const maxValues = (artifacts.weightSpecs ?? [])
    .filter((spec) => spec.group !== 'optimizer')
    .reduce((sum, spec) => sum + spec.shape.reduce((product, dimension) => product * dimension, 1), 0);
  let model: LayersModel;
  try {
    model = await buildWithinBudget(artifacts.modelTopology, maxValues, label, (modelTopology) =>
      layers.models.modelFromJSON({
        modelTopology,
      } as Parameters<LayersModule['models']['modelFromJSON']>[0]),
    );
  } catch (error) {
    if (error instanceof NetlensError) throw error;
    throw new NetlensError(
      'MODEL_LOAD',
      `Could not build the layers model of ${label}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  try {
    const specs = (artifacts.weightSpecs ?? []).filter((spec) => spec.group !== 'optimizer');
    const problems = weightMismatches(model, specs);
    if (problems.length > 0) {
      throw new NetlensError(
        'MODEL_LOAD',
        `The weights manifest of ${label} does not fit its layers model: tensor ${problems.join('; tensor ')}.`,
      );
    }
    if (specs.length > 0 && artifacts.weightData !== undefined) {
      const weights = tf.io.decodeWeights(artifacts.weightData, artifacts.weightSpecs ?? []);
      try {
        model.loadWeights(
          Object.fromEntries(specs.map((spec) => [spec.name, weights[spec.name] as tf.Tensor])),
        );
      } finally {
        tf.dispose(Object.values(weights));
      }
    }
    return model;
  } catch (error) {
    model.dispose();
    if (error instanceof NetlensError) throw error;
    throw new NetlensError('MODEL_LOAD', `Could not set the weights of ${label}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

async function loadGraph(artifacts: tf.io.ModelArtifacts, label: string) {
  const converter = await importPeer(
    () => import('@tensorflow/tfjs-converter'),
    '@tensorflow/tfjs-converter',
    'graph',
  );
  try {
    return await converter.loadGraphModel(inMemory(artifacts));
  } catch (error) {
    throw new NetlensError('MODEL_LOAD', `Could not build the graph model of ${label}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

/**
 * Builds the tfjs model that `artifacts` describe with tfjs-layers or tfjs-converter (imported on
 * first use, so only the one a model needs is loaded) and adapts it with `fromLayersModel` or
 * `fromGraphModel`. Frees the model when the adapter refuses it.
 */
export async function buildClassifier(
  artifacts: tf.io.ModelArtifacts,
  label: string,
  options: BuildOptions,
): Promise<BuiltClassifier> {
  const format =
    options.format && options.format !== 'auto' ? options.format : detectFormat(artifacts, label);
  const adapterOptions = {
    ...(options.preprocess !== undefined ? { preprocess: options.preprocess } : {}),
    ...(options.classNames !== undefined ? { classNames: options.classNames } : {}),
  };
  const adapt = <M extends { dispose(): void }>(model: M, adapter: (model: M) => ImageClassifier) => {
    try {
      return { classifier: adapter(model), format, dispose: () => model.dispose() };
    } catch (error) {
      model.dispose();
      throw error;
    }
  };
  return format === 'layers'
    ? adapt(await loadLayers(artifacts, label), (model) => fromLayersModel(model, adapterOptions))
    : adapt(await loadGraph(artifacts, label), (model) => fromGraphModel(model, adapterOptions));
}
