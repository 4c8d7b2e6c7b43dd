import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ImageClassifier, Preprocess } from '@netlens/backends';
import {
  IMAGENET_CLASSES,
  loadSqueezeNet11Weights,
  mnistClassifier,
  squeezeNet11,
  type WeightArtifacts,
} from '@netlens/models';
import { loadClassifier } from '@netlens/models/node';
import { CliError, EXIT_CODES } from './cli-error';

/** A classifier the command line loaded, with what it needs to free it. */
export interface LoadedModel {
  /** `mnist`, `squeezenet`, or the URL or path given. */
  name: string;
  classifier: ImageClassifier;
  /** Class names for `--target` and reports: the model's own, or ImageNet's for 1000 classes. */
  classNames?: readonly string[];
  /** Which bundled sample images suit it when no `--image` is given. */
  samples: 'mnist' | 'photos';
  dispose(): void;
}

/** What `--model` accepts, for help texts. */
export const MODEL_HELP =
  'mnist (bundled, trained), squeezenet (needs --weights model.json), or a tfjs model.json URL or path';

const PREPROCESS_NAMES = ['imagenet', 'inception', 'caffe', 'none'] as const;

/**
 * Loads `--model`: the bundled MNIST classifier, SqueezeNet 1.1 from converted weights
 * (`packages/models/scripts/convert-squeezenet.py`; none ship), or any tfjs LayersModel or
 * GraphModel by URL or file path.
 */
export async function loadModel(
  spec: string,
  options: { weights?: string; preprocess?: string } = {},
): Promise<LoadedModel> {
  const preprocess = options.preprocess;
  if (preprocess !== undefined && !(PREPROCESS_NAMES as readonly string[]).includes(preprocess)) {
    throw new CliError(`--preprocess must be one of ${PREPROCESS_NAMES.join(', ')}, got '${preprocess}'.`);
  }
  if (spec === 'mnist') {
    const classifier = mnistClassifier();
    return {
      name: 'mnist',
      classifier,
      classNames: classifier.classNames,
      samples: 'mnist',
      dispose: () => classifier.dispose(),
    };
  }
  if (spec === 'squeezenet') {
    if (options.weights === undefined) {
      throw new CliError(
        '--model squeezenet needs --weights <model.json>: no pretrained weights ship with netlens. ' +
          "Convert torchvision's with packages/models/scripts/convert-squeezenet.py.",
      );
    }
    const weightsPath = resolve(options.weights);
    if (!existsSync(weightsPath))
      throw new CliError(`--weights: no file at ${weightsPath}.`, EXIT_CODES.input);
    let classifier: ImageClassifier & { dispose(): void };
    try {
      classifier = squeezeNet11(loadSqueezeNet11Weights(readWeightsManifest(weightsPath)));
    } catch (error) {
      throw new CliError(
        `--weights: cannot load ${weightsPath}: ${(error as Error).message}`,
        EXIT_CODES.input,
      );
    }
    return {
      name: 'squeezenet',
      classifier,
      classNames: IMAGENET_CLASSES,
      samples: 'photos',
      dispose: () => classifier.dispose(),
    };
  }
  const isUrl = /^(https?|file):\/\//.test(spec);
  if (!isUrl && !existsSync(resolve(spec))) {
    throw new CliError(`--model: '${spec}' is not ${MODEL_HELP} (no such file).`, EXIT_CODES.input);
  }
  try {
    const loaded = await loadClassifier(isUrl ? spec : resolve(spec), {
      preprocess: (preprocess ?? 'none') as Preprocess,
    });
    const imagenet = loaded.numClasses === 1000;
    return {
      name: spec,
      classifier: loaded,
      classNames: loaded.classNames ?? (imagenet ? IMAGENET_CLASSES : undefined),
      samples: loaded.inputShape[2] === 1 ? 'mnist' : 'photos',
      dispose: () => loaded.dispose(),
    };
  } catch (error) {
    throw new CliError(`--model: could not load '${spec}': ${(error as Error).message}`, EXIT_CODES.input);
  }
}

/**
 * Reads a weights-only `model.json` (a `weightsManifest` and its `.bin` shards, as
 * `convert-squeezenet.py` writes) into weight specs and one buffer.
 */
function readWeightsManifest(path: string): WeightArtifacts {
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as {
    weightsManifest?: { paths: string[]; weights: WeightArtifacts['weightSpecs'] }[];
  };
  if (!Array.isArray(manifest.weightsManifest)) throw new Error("it has no 'weightsManifest'");
  const weightSpecs = manifest.weightsManifest.flatMap((group) => [...group.weights]);
  const shards = manifest.weightsManifest.flatMap((group) =>
    group.paths.map((shard) => {
      const bytes = readFileSync(join(dirname(path), shard));
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    }),
  );
  return { weightSpecs, weightData: shards };
}
