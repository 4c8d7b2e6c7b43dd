import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ImageClassifier, NetlensError, type Preprocess } from '@netlens/backends';
import { IMAGENET_CLASSES, loadSqueezeNet11Weights, mnistClassifier, squeezeNet11 } from '@netlens/models';
import { loadClassifier, readWeightArtifacts } from '@netlens/models/node';
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

/** A load failure as one line: what went wrong, and for a timeout the option that raises it. */
function loadFailure(what: string, error: unknown): CliError {
  const message = error instanceof Error ? error.message : String(error);
  const advice = error instanceof NetlensError && error.code === 'TIMEOUT' ? ' (raise --timeout)' : '';
  return new CliError(`${what}: ${message}${advice}`, EXIT_CODES.input);
}

/**
 * Loads `--model`: the bundled MNIST classifier, SqueezeNet 1.1 from converted weights
 * (`packages/models/scripts/convert-squeezenet.py`; none ship), or any tfjs LayersModel or
 * GraphModel by URL or file path. Model files are untrusted: `@netlens/models` confines weight paths
 * to the model's folder and bounds sizes; URL downloads stop after `timeoutMs` each.
 */
export async function loadModel(
  spec: string,
  options: { weights?: string; preprocess?: string; timeoutMs?: number } = {},
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
      classifier = squeezeNet11(loadSqueezeNet11Weights(await readWeightArtifacts(weightsPath)));
    } catch (error) {
      throw loadFailure(`--weights: cannot load ${weightsPath}`, error);
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
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
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
    throw loadFailure(`--model: could not load '${spec}'`, error);
  }
}
