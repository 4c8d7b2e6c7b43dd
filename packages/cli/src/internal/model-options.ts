import type { Target } from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import type { OptionValues } from './command';
import { bundledSamplePaths, type LoadedImages, loadImages } from './load-images';
import { type LoadedModel, loadModel } from './load-model';
import { parseClass, parseTimeout } from './parse-values';

/** The `--model`, `--weights`, `--preprocess`, `--timeout` and `--image` options. */
export const MODEL_OPTIONS = {
  model: { type: 'string', default: 'mnist' },
  weights: { type: 'string' },
  preprocess: { type: 'string' },
  timeout: { type: 'string' },
  image: { type: 'string', multiple: true },
} as const;

/** Help lines for {@link MODEL_OPTIONS}. */
export const MODEL_HELP_LINES = `  --model <m>        mnist (default, bundled and trained), squeezenet (with --weights), or a
                     tfjs model.json URL or path
  --weights <file>   SqueezeNet 1.1 weights (model.json from scripts/convert-squeezenet.py)
  --preprocess <p>   for URL/path models: imagenet, inception, caffe or none (default)
  --timeout <s>      for URL models: seconds each download may take (default 60)
  --image <file>     a PNG or JPEG (repeat for a batch); default: the bundled samples`;

/** Loads the model and the images (resized to its input) that the options name. */
export async function loadModelAndImages(
  values: OptionValues,
): Promise<{ model: LoadedModel; images: LoadedImages }> {
  const model = await loadModel(values.model as string, {
    weights: values.weights as string | undefined,
    preprocess: values.preprocess as string | undefined,
    timeoutMs: parseTimeout(values.timeout as string | undefined),
  });
  try {
    const paths = (values.image as string[] | undefined) ?? bundledSamplePaths(model.samples);
    return { model, images: await loadImages(paths, model.classifier) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** `--target`: `predicted`, or a class index or name for every image. */
export function parseTarget(value: string | undefined, model: LoadedModel): Target {
  if (value === undefined || value === 'predicted') return 'predicted';
  return parseClass('--target', value, model.classifier.numClasses, model.classNames);
}

/** The model's top class per image. */
export async function predictedClasses(model: LoadedModel, images: tf.Tensor4D): Promise<number[]> {
  const top = tf.tidy(() => tf.argMax(model.classifier.logits(images), 1));
  const values = Array.from(await top.data());
  top.dispose();
  return values;
}

/** A class as `3 (three)` when names are known. */
export function className(model: LoadedModel, index: number): string {
  const name = model.classNames?.[index]?.split(',')[0];
  return name && name !== String(index) ? `${index} (${name})` : String(index);
}
