import { execFileSync } from 'node:child_process';
import { renameSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { NetlensError, selectBackend } from '@netlens/backends';
import { expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_LOGITS, PROBE_TOPOLOGY, probeModelJson, probeWeightBytes } from './__fixtures__/probe-model';
import { fileSystemHandler, registerFileRouter } from './internal/file-io';
import { loadClassifier as loadFromSource } from './load-classifier';
import { loadClassifier } from './load-classifier-node';

// Hostile model folders: each case is what an attacker controls (model.json and the files beside
// it); the assertions are that nothing outside the folder is read or described, and that nothing
// large is allocated or read before the sizes are checked. File handling does not depend on the
// backend, so one backend (cpu) runs these.

async function loadError(load: Promise<unknown>): Promise<NetlensError> {
  const error = await load.then(
    (loaded) => {
      (loaded as { dispose?: () => void } | undefined)?.dispose?.();
      return undefined;
    },
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(NetlensError);
  return error as NetlensError;
}

describe('loadClassifier from hostile model folders', () => {
  let root: string;
  /** Outside every model folder: 40 bytes, exactly what the probe's weights need. */
  let secret: string;
  /** Outside every model folder: 687 bytes, more than the probe needs. */
  let largeSecret: string;
  const secretValues = new Float32Array([7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);

  /** A fresh model folder holding `model.json` with `json` and any `files`. */
  async function folder(name: string, json: string, files: Record<string, Uint8Array> = {}): Promise<string> {
    const path = join(root, 'models', name);
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'model.json'), json);
    for (const [file, bytes] of Object.entries(files)) await writeFile(join(path, file), bytes);
    return path;
  }

  /** The three ways into a model folder in Node: loadClassifier, fileSystemHandler, the file:// router. */
  const entries = {
    loadClassifier: (path: string) => loadClassifier(path),
    fileSystemHandler: (path: string) => fileSystemHandler(path).load!(),
    registerFileRouter: (path: string) => {
      registerFileRouter();
      const [handler] = tf.io.getLoadHandlers(pathToFileURL(join(path, 'model.json')).href);
      return handler!.load!();
    },
  };

  /** No message may name the file outside, its size or its contents. */
  function expectNothingDisclosed(error: NetlensError, ...outside: string[]): void {
    for (const fragment of [...outside, 'more bytes', 'shorter', '687', '7, 7']) {
      expect(error.message).not.toContain(fragment);
    }
  }

  beforeAll(async () => {
    await selectBackend(['cpu']);
    root = await mkdtemp(join(tmpdir(), 'netlens-hostile-'));
    secret = join(root, 'secret.bin');
    largeSecret = join(root, 'large-secret.txt');
    await writeFile(secret, new Uint8Array(secretValues.buffer));
    await writeFile(largeSecret, 'x'.repeat(687));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads weights inside the folder, also through a link that stays inside (control)', async () => {
    const bytes = probeWeightBytes();
    const path = await folder('inside', probeModelJson(['real/weights.bin']));
    await mkdir(join(path, 'real'));
    await writeFile(join(path, 'real', 'weights.bin'), bytes);
    const linked = await folder('inside-link', probeModelJson(['weights.bin']));
    await mkdir(join(linked, 'real'));
    await writeFile(join(linked, 'real', 'weights.bin'), bytes);
    await symlink(join(linked, 'real', 'weights.bin'), join(linked, 'weights.bin'));
    await expectNoLeak(async () => {
      for (const source of [path, linked]) {
        const loaded = await loadClassifier(source);
        const logits = tf.tidy(() => loaded.logits(tf.ones([1, 1, 1, 1])));
        // logits(ones) = kernel row + bias.
        expect(Array.from(await logits.data())).toEqual(PROBE_LOGITS);
        logits.dispose();
        loaded.dispose();
      }
    });
  });

  for (const [entry, load] of Object.entries(entries)) {
    it(`${entry} refuses a '..' weight path without reading or describing the file`, async () => {
      const exact = await folder(`dotdot-${entry}`, probeModelJson(['../../secret.bin']));
      const larger = await folder(`dotdot-large-${entry}`, probeModelJson(['../../large-secret.txt']));
      await expectNoLeak(async () => {
        const error = await loadError(load(exact));
        expect(error.code).toBe('MODEL_LOAD');
        expect(error.message).toContain("Weight path '../../secret.bin'");
        expect(error.message).toContain("contains '..'");
        expectNothingDisclosed(error, secret);
        const other = await loadError(load(larger));
        expect(other.message).toContain("contains '..'");
        expectNothingDisclosed(other, largeSecret);
      });
    });
  }

  it('refuses an absolute weight path, to a file or to the zero device, without opening it', async () => {
    for (const target of [secret, '/dev/zero', 'C:\\Windows\\win.ini', '\\\\server\\share\\w.bin']) {
      const path = await folder(`absolute-${target.length}`, probeModelJson([target]));
      const error = await loadError(loadClassifier(path));
      expect(error.code).toBe('MODEL_LOAD');
      expect(error.message).toMatch(/is absolute|contains '\.\.'|does not lead/);
      expectNothingDisclosed(error, 'zero device', 'character device');
    }
  });

  it('refuses links that lead outside the folder, saying the same whether or not the target exists', async () => {
    const file = await folder('link-file', probeModelJson(['weights.bin']));
    await symlink(secret, join(file, 'weights.bin'));
    const directory = await folder('link-dir', probeModelJson(['up/secret.bin']));
    await symlink(root, join(directory, 'up'));
    const dangling = await folder('link-dangling', probeModelJson(['weights.bin']));
    await symlink(join(root, 'no-such-file'), join(dangling, 'weights.bin'));
    const device = await folder('link-device', probeModelJson(['weights.bin']));
    await symlink('/dev/zero', join(device, 'weights.bin'));
    const messages: string[] = [];
    for (const path of [file, directory, dangling, device]) {
      const error = await loadError(loadClassifier(path));
      expect(error.code).toBe('MODEL_LOAD');
      expect(error.message).toContain('is a symbolic link that does not lead to a file inside the folder');
      expectNothingDisclosed(error, secret, root.concat('/no-such-file'), '/dev/zero');
      messages.push(error.message.replace(path, '<folder>'));
    }
    // An existing target and a missing one give the same message: no existence oracle.
    expect(messages[2]).toBe(messages[0]);
  });

  it('refuses a FIFO and a folder inside the model folder at once, without waiting for a writer', async () => {
    const path = await folder('fifo', probeModelJson(['pipe.bin']));
    execFileSync('mkfifo', [join(path, 'pipe.bin')]);
    const start = performance.now();
    const error = await loadError(loadClassifier(path));
    expect(error.message).toContain('is a device, FIFO or socket');
    expect(performance.now() - start).toBeLessThan(2000);
    const nested = await folder('folder-weights', probeModelJson(['sub']));
    await mkdir(join(nested, 'sub'));
    expect((await loadError(loadClassifier(nested))).message).toContain('is a folder');
  });

  it('refuses a model.json that is a FIFO, without waiting for a writer', async () => {
    const path = join(root, 'models', 'fifo-json');
    await mkdir(path, { recursive: true });
    execFileSync('mkfifo', [join(path, 'model.json')]);
    const error = await loadError(loadClassifier(path));
    expect(error.message).toContain('is not a regular file');
  });

  it('checks weight sizes with stat before reading: a huge sparse shard is refused unread', async () => {
    const path = await folder('sparse', probeModelJson(['weights.bin']));
    // 8 GiB of holes: reading it would take minutes and all memory; stat takes microseconds.
    await writeFile(join(path, 'weights.bin'), '');
    await truncate(join(path, 'weights.bin'), 8 * 1024 ** 3);
    const before = tf.memory().numBytes;
    const start = performance.now();
    const error = await loadError(loadClassifier(path));
    expect(error.message).toContain('more than 1073741824 bytes');
    expect(performance.now() - start).toBeLessThan(2000);
    expect(tf.memory().numBytes).toBe(before);
  });

  it('refuses a manifest that declares more than maxWeightBytes before opening any file', async () => {
    const json = JSON.stringify({
      format: 'layers-model',
      modelTopology: PROBE_TOPOLOGY,
      weightsManifest: [
        { paths: ['absent.bin'], weights: [{ name: 'dense/kernel', shape: [1e6, 1e6], dtype: 'float32' }] },
      ],
    });
    const path = await folder('declared-huge', json);
    const error = await loadError(loadClassifier(path));
    expect(error.message).toContain('declares more than 1073741824 bytes of weights');
    expect(error.message).not.toContain('absent.bin is missing');
    const small = await folder('declared-small', probeModelJson(['weights.bin']), {
      'weights.bin': new Uint8Array(40),
    });
    expect((await loadError(loadClassifier(small, { maxWeightBytes: 39 }))).message).toContain(
      'raise options.maxWeightBytes',
    );
  });

  it('refuses malformed manifests: negative or fractional dimensions, unknown dtypes, missing paths', async () => {
    const cases: [unknown, string][] = [
      [
        [{ paths: ['w.bin'], weights: [{ name: 'dense/kernel', shape: [-1, 5], dtype: 'float32' }] }],
        'not a list of non-negative integers',
      ],
      [
        [{ paths: ['w.bin'], weights: [{ name: 'dense/kernel', shape: [1.5, 5], dtype: 'float32' }] }],
        'not a list of non-negative integers',
      ],
      [
        [{ paths: ['w.bin'], weights: [{ name: 'dense/kernel', shape: [1, 5], dtype: 'float64' }] }],
        'which tfjs cannot read',
      ],
      [[{ weights: [] }], "no list of file names in 'paths'"],
      [{ paths: [] }, 'not a list of groups'],
    ];
    for (const [index, [weightsManifest, fragment]] of cases.entries()) {
      const path = await folder(
        `malformed-${index}`,
        JSON.stringify({ modelTopology: PROBE_TOPOLOGY, weightsManifest }),
      );
      const error = await loadError(loadClassifier(path));
      expect(error.code).toBe('MODEL_LOAD');
      expect(error.message).toContain(fragment);
    }
  });

  it('refuses a 265-byte model.json declaring Dense(30000000) before building the layer', async () => {
    const json = JSON.stringify({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [{ class_name: 'Dense', config: { units: 30_000_000, batch_input_shape: [null, 16] } }],
        },
      },
      weightsManifest: [
        { paths: ['w.bin'], weights: [{ name: 'dense/bias', shape: [4], dtype: 'float32' }] },
      ],
    });
    expect(json.length).toBeLessThan(300);
    const path = await folder('dense-bomb', json, { 'w.bin': new Uint8Array(16) });
    const before = tf.memory();
    const variables = Object.keys(tf.engine().registeredVariables).length;
    const start = performance.now();
    const error = await loadError(loadClassifier(path));
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toContain('needs a weight of shape [16, 30000000]');
    expect(error.message).toContain('refused before allocating it');
    // Building the layer takes seconds and 1.9 GB; refusing it takes milliseconds and nothing.
    expect(performance.now() - start).toBeLessThan(1000);
    expect(tf.memory().numBytes).toBe(before.numBytes);
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  });

  it('frees the layers already built when a later one exceeds the manifest', async () => {
    const json = JSON.stringify({
      modelTopology: {
        class_name: 'Sequential',
        config: {
          layers: [
            { class_name: 'Dense', config: { name: 'small', units: 4, batch_input_shape: [null, 2] } },
            { class_name: 'Dense', config: { name: 'large', units: 1_000_000 } },
          ],
        },
      },
      weightsManifest: [
        {
          paths: ['w.bin'],
          weights: [
            { name: 'small/kernel', shape: [2, 4], dtype: 'float32' },
            { name: 'small/bias', shape: [4], dtype: 'float32' },
          ],
        },
      ],
    });
    const path = await folder('second-layer-bomb', json, { 'w.bin': new Uint8Array(48) });
    const variables = Object.keys(tf.engine().registeredVariables).length;
    await expectNoLeak(async () => {
      const error = await loadError(loadClassifier(path));
      expect(error.message).toContain('needs a weight of shape [4, 1000000]');
    });
    expect(Object.keys(tf.engine().registeredVariables).length).toBe(variables);
  });

  it('still loads real topologies of every weighted layer kind to the same logits (bounded build control)', async () => {
    // Functional, nested Sequential, BatchNorm, depthwise, separable (which refuses kernel_initializer),
    // PReLU, LayerNorm, Conv1D, TimeDistributed, Conv2DTranspose: each initializer key must fit its class.
    const input = tfl.input({ shape: [8, 8, 3] });
    let x = tfl.layers
      .conv2d({ filters: 4, kernelSize: 3, padding: 'same' })
      .apply(input) as tfl.SymbolicTensor;
    for (const layer of [
      tfl.layers.batchNormalization(),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }),
      tfl.layers.separableConv2d({ filters: 5, kernelSize: 3 }),
      tfl.layers.prelu(),
      tfl.layers.layerNormalization(),
      tfl.layers.conv2dTranspose({ filters: 2, kernelSize: 3 }),
      tfl.layers.reshape({ targetShape: [64, 2] }),
      tfl.layers.conv1d({ filters: 3, kernelSize: 3 }),
      tfl.layers.timeDistributed({ layer: tfl.layers.dense({ units: 2 }) }),
    ]) {
      x = layer.apply(x) as tfl.SymbolicTensor;
    }
    const head = tfl.sequential({
      layers: [tfl.layers.flatten({ inputShape: [62, 2] }), tfl.layers.dense({ units: 7 })],
    });
    const model = tfl.model({ inputs: input, outputs: head.apply(x) as tfl.SymbolicTensor });
    const random = model.getWeights().map((weight) => tf.randomUniform(weight.shape, 0.5, 1.5));
    model.setWeights(random);
    tf.dispose(random);
    let artifacts: tf.io.ModelArtifacts | undefined;
    await model.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const images = tf.randomUniform([2, 8, 8, 3]) as tf.Tensor4D;
    await expectNoLeak(async () => {
      const loaded = await loadFromSource(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
      const difference = tf.tidy(() =>
        tf.max(tf.abs(tf.sub(loaded.logits(images), model.predict(images) as tf.Tensor))),
      );
      expect((await difference.data())[0]).toBeLessThan(1e-5);
      difference.dispose();
      loaded.dispose();
    });
    images.dispose();
    model.dispose();
  });

  it('refuses a weight file swapped for another (or for a link out) between its check and its read', async () => {
    const half = probeWeightBytes();
    for (const swap of ['file', 'link'] as const) {
      const path = await folder(`swapped-${swap}`, probeModelJson(['a.bin', 'b.bin']), {
        'a.bin': half.subarray(0, 20),
        'b.bin': half.subarray(20),
      });
      const onProgress = (fraction: number) => {
        // Called after a.bin is read, when b.bin has been checked but not read yet.
        if (fraction !== 2 / 3) return;
        if (swap === 'file') {
          writeFileSync(join(path, 'other.bin'), half.subarray(20));
          renameSync(join(path, 'other.bin'), join(path, 'b.bin'));
        } else {
          unlinkSync(join(path, 'b.bin'));
          symlinkSync(secret, join(path, 'b.bin'));
        }
      };
      const error = await loadError(loadClassifier(path, { onProgress }));
      expect(error.code).toBe('MODEL_LOAD');
      expect(error.message).toMatch(
        swap === 'file' ? /b\.bin changed while the model was loaded/ : /b\.bin cannot be read/,
      );
      expectNothingDisclosed(error, secret);
    }
  });

  it('refuses a manifest listing more than 4096 weight files before opening any', async () => {
    const paths = Array.from({ length: 4097 }, (_, index) => `shard-${index}.bin`);
    const path = await folder('many-files', probeModelJson(paths));
    const error = await loadError(loadClassifier(path));
    expect(error.message).toContain('it lists more than 4096 weight files');
  });

  it('refuses a model.json that is not JSON, naming it', async () => {
    const path = await folder('not-json', '{"modelTopology": ');
    const error = await loadError(loadClassifier(path));
    expect(error.message).toContain(`${join(path, 'model.json')} is not valid JSON`);
  });

  it('refuses a huge model.json unread (size cap, default 32 MiB, and options.maxModelJsonBytes)', async () => {
    const path = join(root, 'models', 'huge-json');
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'model.json'), '');
    await truncate(join(path, 'model.json'), 33 * 1024 * 1024);
    const start = performance.now();
    const error = await loadError(loadClassifier(path));
    expect(error.message).toContain('more than the 33554432 allowed');
    expect(performance.now() - start).toBeLessThan(1000);
    const small = await folder('small-json', probeModelJson(['w.bin']));
    expect((await loadError(loadClassifier(small, { maxModelJsonBytes: 100 }))).message).toContain(
      'raise options.maxModelJsonBytes',
    );
  });

  it('refuses invalid limits and a file:// URL with a host, naming the argument', async () => {
    for (const [options, argument] of [
      [{ maxWeightBytes: 0 }, 'options.maxWeightBytes'],
      [{ maxModelJsonBytes: Number.NaN }, 'options.maxModelJsonBytes'],
      [{ timeoutMs: -1 }, 'options.timeoutMs'],
    ] as const) {
      const error = await loadError(loadClassifier(join(root, 'models', 'inside'), options));
      expect(error.code).toBe('INVALID_ARGUMENT');
      expect(error.message).toContain(argument);
    }
    const error = await loadError(loadClassifier('file://server/share/model.json'));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('a file:// URL of this machine');
  });
});
