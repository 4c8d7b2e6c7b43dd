import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import type { ModelSource } from '../load-classifier';
import { expectAtFloat32Floor, type FloorComparison } from './float32-floor';

/**
 * The browser-safe half of the converter fixtures (`converter-fixtures.ts` keeps the synchronous
 * Node readers and the PyTorch runner): the same committed files, read with `fetch` from the Vite
 * server in browsers and with `node:fs` in Node, so the parity suites run in Chromium too.
 *
 * Converter-shaped fixtures written by `scripts/converter_fixtures.py`: two GraphModels in
 * tfjs-converter's format (a MobileNetV2 and an Inception-v3-style network built from torchvision
 * with seeded weights, 64² inputs) and the weights of a small Keras-style network, each with
 * PyTorch's float64 references and the error of PyTorch's own float32 run (`fp32Floor`).
 */
export type ConverterFixtureName = 'mobilenet-v2' | 'inception' | 'keras';

/** What the reference folder holds, one float32 file each. */
export type ReferenceOutput = 'logits' | 'vanilla' | 'guided' | 'deconvnet' | 'gradcam';

/** A fixture's references: the NHWC pixel batch, the targets and PyTorch's outputs for them. */
export interface ConverterReference {
  name: ConverterFixtureName | 'mobilenet-v2-224';
  /** `model.json` of the GraphModel (absent for `keras`): a file path in Node, a URL in browsers. */
  modelPath: string;
  /** Pixels in [0, 1], `[N, H, W, 3]`. */
  input: Float32Array;
  inputShape: [number, number, number, number];
  /** The class each image's gradients are taken for (PyTorch's float64 prediction). */
  targets: number[];
  /** The layer (graph node or Keras layer) Grad-CAM is taken at. */
  gradcamLayer: string;
  preprocess: 'inception' | 'none';
  /** max |torch fp32 − torch fp64| / max |fp64| per output: the float32 floor on these inputs. */
  fp32Floor: Record<ReferenceOutput, number>;
  shapes: Record<ReferenceOutput, number[]>;
  /** PyTorch's float64 result (stored as float32). */
  floats(output: ReferenceOutput): Float32Array;
}

/** The parsed `reference/reference.json`. */
export interface ReferenceMeta {
  targets: number[];
  gradcamLayer: string;
  preprocess: 'inception' | 'none';
  fp32Floor: Record<ReferenceOutput, number>;
  shapes: Record<ReferenceOutput, number[]>;
}

const REFERENCE_OUTPUTS: readonly ReferenceOutput[] = ['logits', 'vanilla', 'guided', 'deconvnet', 'gradcam'];

const isNode = () =>
  typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';

// Held in a variable so that Vite leaves `new URL(…)` alone: it rewrites `new URL(template,
// import.meta.url)` into a glob of asset imports, which has no entry for the binary files.
const here = import.meta.url;

/** A fixture file's URL: `file:` in Node, the Vite server's `/@fs/…` address in browsers. */
export const fixtureUrl = (relative: string): URL => new URL(`./converter/${relative}`, here);

/** Reads a committed fixture file: `fetch` in browsers, `node:fs` in Node (which cannot fetch `file:`). */
export async function readFixtureBytes(relative: string): Promise<ArrayBuffer> {
  const url = fixtureUrl(relative);
  if (isNode()) {
    // A computed specifier keeps Vite from bundling a Node built-in into the browser run.
    const fsModule = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fsModule)) as typeof import('node:fs/promises');
    const bytes = await readFile(url);
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.href}: HTTP ${response.status}`);
  return response.arrayBuffer();
}

const readJson = async <T>(relative: string): Promise<T> =>
  JSON.parse(new TextDecoder().decode(await readFixtureBytes(relative))) as T;

/** Builds a {@link ConverterReference} from its metadata, input and outputs (shared with the Node reader). */
export function referenceFrom(
  name: ConverterReference['name'],
  modelPath: string,
  meta: ReferenceMeta,
  input: Float32Array,
  floats: (output: ReferenceOutput) => Float32Array,
): ConverterReference {
  const size = Math.round(Math.sqrt(input.length / 3 / meta.targets.length));
  return {
    name,
    modelPath,
    input,
    inputShape: [meta.targets.length, size, size, 3],
    targets: meta.targets,
    gradcamLayer: meta.gradcamLayer,
    preprocess: meta.preprocess,
    fp32Floor: meta.fp32Floor,
    shapes: meta.shapes,
    floats,
  };
}

/** Reads a fixture's reference folder, in Node or in a browser. */
export async function loadConverterReference(name: ConverterFixtureName): Promise<ConverterReference> {
  const meta = await readJson<ReferenceMeta>(`${name}/reference/reference.json`);
  const input = new Float32Array(await readFixtureBytes(`${name}/reference/input.bin`));
  const outputs = new Map<ReferenceOutput, Float32Array>();
  for (const output of REFERENCE_OUTPUTS) {
    outputs.set(output, new Float32Array(await readFixtureBytes(`${name}/reference/${output}.bin`)));
  }
  const modelUrl = fixtureUrl(`${name}/model.json`);
  return referenceFrom(
    name,
    isNode() ? decodeURIComponent(modelUrl.pathname) : modelUrl.href,
    meta,
    input,
    (output) => outputs.get(output) as Float32Array,
  );
}

/**
 * Where `loadClassifier` (the browser entry of `@netlens/models`) reads a GraphModel fixture from:
 * its `model.json` URL in browsers (so the real HTTP loader fetches it and its shards from the Vite
 * server), and in Node, which has no server here, an IOHandler reading the same files.
 */
export async function converterModelSource(
  name: Exclude<ConverterFixtureName, 'keras'>,
): Promise<ModelSource> {
  if (!isNode()) return fixtureUrl(`${name}/model.json`).href;
  const modelJson = await readJson<tf.io.ModelJSON>(`${name}/model.json`);
  return {
    load: () =>
      tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const shards: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const path of group.paths) shards.push(await readFixtureBytes(`${name}/${path}`));
        }
        return [manifest.flatMap((group) => group.weights), tf.io.concatenateArrayBuffers(shards)];
      }),
  };
}

/**
 * Asserts `actual` equals the fixture's PyTorch float64 `output` at the float32 floor, with the
 * project's shared rule (`expectAtFloat32Floor`: max |actual − exact| / max |exact| within
 * `FLOAT32_FLOOR_FACTOR` times PyTorch's own float32 error on the same inputs). Returns the
 * measured differences.
 */
export async function expectAtFloor(
  actual: tf.Tensor,
  reference: ConverterReference,
  output: ReferenceOutput,
): Promise<FloorComparison> {
  expect(actual.shape).toEqual(reference.shapes[output]);
  return expectAtFloat32Floor(
    `${reference.name} ${output}`,
    actual,
    reference.floats(output),
    reference.fp32Floor[output],
  );
}

/** The `keras` fixture's weights: `keras-weights.json`'s entries and `keras-weights.bin`'s values. */
export interface KerasWeights {
  specs: { layer: string; shape: number[] }[];
  values: Float32Array;
}

/** Reads the `keras` fixture's weights, in Node or in a browser. */
export async function loadKerasWeights(): Promise<KerasWeights> {
  return {
    specs: await readJson<KerasWeights['specs']>('keras/keras-weights.json'),
    values: new Float32Array(await readFixtureBytes('keras/keras-weights.bin')),
  };
}

/**
 * The Keras-style network of the `keras` fixture as a tfjs-layers Sequential with PyTorch's weights:
 * conv2d(relu) · batchNormalization(scale: false) · maxPooling2d · depthwiseConv2d · batchNormalization ·
 * reLU({maxValue: 6}) · conv2d 1×1 · batchNormalization · reLU({maxValue: 6}) · conv2d(relu) ·
 * globalAveragePooling2d · dense(softmax), for `size`² inputs. Dispose it when done.
 */
export function kerasStyleModelFrom({ specs, values }: KerasWeights, size: number): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({
        name: 'conv1',
        inputShape: [size, size, 3],
        filters: 8,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
      }),
      tfl.layers.batchNormalization({ name: 'bn1', scale: false, epsilon: 1e-3 }),
      tfl.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }),
      tfl.layers.depthwiseConv2d({ name: 'dw', kernelSize: 3, padding: 'same', useBias: false }),
      tfl.layers.batchNormalization({ name: 'bn2', epsilon: 1e-3 }),
      tfl.layers.reLU({ name: 'relu6_a', maxValue: 6 }),
      tfl.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 1 }),
      tfl.layers.batchNormalization({ name: 'bn3', epsilon: 1e-3 }),
      tfl.layers.reLU({ name: 'relu6_b', maxValue: 6 }),
      tfl.layers.conv2d({ name: 'conv3', filters: 16, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ name: 'predictions', units: 10, activation: 'softmax' }),
    ],
  });
  let offset = 0;
  const byLayer = new Map<string, tf.Tensor[]>();
  for (const { layer, shape } of specs) {
    const count = shape.reduce((a, b) => a * b, 1);
    const list = byLayer.get(layer) ?? [];
    list.push(tf.tensor(values.subarray(offset, offset + count), shape));
    byLayer.set(layer, list);
    offset += count;
  }
  expect(offset).toBe(values.length);
  for (const [layer, weights] of byLayer) {
    model.getLayer(layer).setWeights(weights);
    tf.dispose(weights);
  }
  return model;
}
