// What a user does: `npm install @netlens/backends @tensorflow/tfjs-core` in a fresh app, then
// selectBackend('auto') and wrap a LayersModel from a plain Node ESM script. Packs the built package,
// installs the tarball into a temporary app, and runs the script there. Needs the npm registry.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDirectory = fileURLToPath(new URL('..', import.meta.url));
const app = mkdtempSync(join(tmpdir(), 'netlens-consumer-'));
const run = (command, args, cwd) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', app], packageDirectory)
    .trim()
    .split('\n')
    .at(-1);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      join(app, tarball),
      '@tensorflow/tfjs-core@4.22.0',
      '@tensorflow/tfjs-layers@4.22.0',
    ],
    app,
  );
  writeFileSync(
    join(app, 'main.mjs'),
    `import { fromLayersModel, selectBackend } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
const chosen = await selectBackend('auto');
const model = tfl.sequential({ layers: [
  tfl.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, activation: 'relu' }),
  tfl.layers.flatten(), tfl.layers.dense({ units: 3, activation: 'softmax' }) ] });
const classifier = fromLayersModel(model, { preprocess: 'imagenet' });
const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 1);
const gradient = tf.grad((input) => tf.sum(classifier.logits(input)))(x);
const values = await gradient.data();
if (values.length !== 384 || !values.some((v) => v !== 0)) throw new Error('gradient is wrong');
console.log(JSON.stringify({ backend: chosen.name, skipped: chosen.skipped.map((s) => s.backend), gradientElements: values.length }));
`,
  );
  const output = run('node', ['main.mjs'], app);
  const result = JSON.parse(output.trim().split('\n').at(-1));
  if (result.backend !== 'wasm')
    throw new Error(`expected 'auto' to choose wasm in a fresh Node app, got ${result.backend}`);
  console.log(
    `consumer install: selectBackend('auto') chose ${result.backend} (skipped ${result.skipped.join(', ')}); LayersModel gradient ok`,
  );
  console.log('1 passed, 0 failed');
} finally {
  rmSync(app, { recursive: true, force: true });
}
