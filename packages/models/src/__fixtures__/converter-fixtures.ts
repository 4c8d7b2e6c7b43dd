import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { expect } from 'vitest';
import { expectAtFloat32Floor, type FloorComparison } from './float32-floor';

/**
 * Converter-shaped fixtures written by `scripts/converter_fixtures.py`: two GraphModels in
 * tfjs-converter's format (a MobileNetV2 and an Inception-v3-style network built from torchvision
 * with seeded weights, 64² inputs) and the weights of a small Keras-style network, each with
 * PyTorch's float64 references and the error of PyTorch's own float32 run (`fp32Floor`).
 * Regenerate with `/usr/bin/python3 packages/models/scripts/converter_fixtures.py --out
 * packages/models/src/__fixtures__/converter`.
 */
export type ConverterFixtureName = 'mobilenet-v2' | 'inception' | 'keras';

/** What the reference folder holds, one float32 file each. */
export type ReferenceOutput = 'logits' | 'vanilla' | 'guided' | 'deconvnet' | 'gradcam';

/** A fixture's references: the NHWC pixel batch, the targets and PyTorch's outputs for them. */
export interface ConverterReference {
  name: ConverterFixtureName | 'mobilenet-v2-224';
  /** `model.json` of the GraphModel (absent for `keras`). */
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

const folder = (name: ConverterFixtureName) => fileURLToPath(new URL(`./converter/${name}`, import.meta.url));

const readFloats = (path: string) => {
  const bytes = readFileSync(path);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/** Reads a fixture's reference folder. */
export function converterReference(name: ConverterFixtureName): ConverterReference {
  return readReference(folder(name), name);
}

function readReference(root: string, name: ConverterReference['name']): ConverterReference {
  const meta = JSON.parse(readFileSync(join(root, 'reference', 'reference.json'), 'utf8'));
  const input = readFloats(join(root, 'reference', 'input.bin'));
  const size = Math.round(Math.sqrt(input.length / 3 / meta.targets.length));
  return {
    name,
    modelPath: join(root, 'model.json'),
    input,
    inputShape: [meta.targets.length, size, size, 3],
    targets: meta.targets,
    gradcamLayer: meta.gradcamLayer,
    preprocess: meta.preprocess,
    fp32Floor: meta.fp32Floor,
    shapes: meta.shapes,
    floats: (output) => readFloats(join(root, 'reference', `${output}.bin`)),
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

/**
 * The Keras-style network of the `keras` fixture as a tfjs-layers Sequential with PyTorch's weights:
 * conv2d(relu) · batchNormalization(scale: false) · maxPooling2d · depthwiseConv2d · batchNormalization ·
 * reLU({maxValue: 6}) · conv2d 1×1 · batchNormalization · reLU({maxValue: 6}) · conv2d(relu) ·
 * globalAveragePooling2d · dense(softmax). Dispose it when done.
 */
export function createKerasStyleModel(): tfl.Sequential {
  const root = folder('keras');
  const specs: { layer: string; shape: number[] }[] = JSON.parse(
    readFileSync(join(root, 'keras-weights.json'), 'utf8'),
  );
  const bytes = readFloats(join(root, 'keras-weights.bin'));
  const size = converterReference('keras').inputShape[1];
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
    list.push(tf.tensor(bytes.subarray(offset, offset + count), shape));
    byLayer.set(layer, list);
    offset += count;
  }
  expect(offset).toBe(bytes.length);
  for (const [layer, values] of byLayer) {
    model.getLayer(layer).setWeights(values);
    tf.dispose(values);
  }
  return model;
}

/**
 * Writes the real-sized MobileNetV2 (torchvision width 1.0, 224², 1000 classes, seeded, about 14 MB in
 * four 4 MiB shards) in the same converter format into `directory`, with the same script as the small
 * fixtures (so nothing that size is committed), and PyTorch's logits for one image (`logits` only).
 * Takes a few seconds. Returns undefined when PyTorch is not installed here (CI has it, and throws).
 *
 * ```ts
 * const reference = writeFullMobileNetV2(await mkdtemp(join(tmpdir(), 'mobilenet-')));
 * const classifier = await loadClassifier(reference.modelPath, { preprocess: 'inception' });
 * ```
 */
export function writeFullMobileNetV2(directory: string): ConverterReference | undefined {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    if (process.env.CI === 'true') throw new Error('CI needs python3-torch for the full MobileNetV2 fixture');
    return undefined;
  }
  const script = fileURLToPath(new URL('../../scripts/converter_fixtures.py', import.meta.url));
  const result = spawnSync('/usr/bin/python3', [script, '--full-mobilenet-v2', directory], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`converter_fixtures.py failed:\n${result.stderr || result.error}`);
  return readReference(directory, 'mobilenet-v2-224');
}
