import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tfl from '@tensorflow/tfjs-layers';
import {
  type ConverterFixtureName,
  type ConverterReference,
  kerasStyleModelFrom,
  type ReferenceMeta,
  referenceFrom,
} from './converter-reference';

/**
 * Synchronous Node readers of the converter fixtures (see `converter-reference.ts` for what they
 * hold and for the browser-safe, asynchronous readers the parity suites use in Chromium).
 * Regenerate with `/usr/bin/python3 packages/models/scripts/converter_fixtures.py --out
 * packages/models/src/__fixtures__/converter`.
 */
export type { ConverterFixtureName, ConverterReference, ReferenceOutput } from './converter-reference';
export { expectAtFloor } from './converter-reference';

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
  const meta: ReferenceMeta = JSON.parse(readFileSync(join(root, 'reference', 'reference.json'), 'utf8'));
  return referenceFrom(
    name,
    join(root, 'model.json'),
    meta,
    readFloats(join(root, 'reference', 'input.bin')),
    (output) => readFloats(join(root, 'reference', `${output}.bin`)),
  );
}

/** The Keras-style network of the `keras` fixture with PyTorch's weights (see `kerasStyleModelFrom`). */
export function createKerasStyleModel(): tfl.Sequential {
  const root = folder('keras');
  const weights = {
    specs: JSON.parse(readFileSync(join(root, 'keras-weights.json'), 'utf8')),
    values: readFloats(join(root, 'keras-weights.bin')),
  };
  return kerasStyleModelFrom(weights, converterReference('keras').inputShape[1]);
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
