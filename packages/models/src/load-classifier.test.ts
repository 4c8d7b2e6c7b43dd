import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fromGraphModel, fromLayersModel, type ImageClassifier, NetlensError } from '@netlens/backends';
import {
  createTinyGraphModel,
  createTinyLayersModel,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  TINY_NUM_CLASSES,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileSystemHandler, registerFileRouter } from './internal/file-io';
import { type LoadedClassifier, loadClassifier as loadClassifierInBrowser } from './load-classifier';
import { loadClassifier, mobileNetV2 } from './load-classifier-node';

/** Serves `root` on 127.0.0.1 and records each requested path. */
async function serve(root: string): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
    requests.push(path);
    try {
      const body = await readFile(join(root, path));
      response.writeHead(200, { 'content-length': body.byteLength }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}`, requests };
}

/** Splits a saved model's single `weights.bin` into two shard files, as tfjs-converter does. */
async function shard(folder: string): Promise<void> {
  const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  const bytes = await readFile(join(folder, 'weights.bin'));
  const middle = Math.floor(bytes.byteLength / 2);
  await writeFile(join(folder, 'group1-shard1of2.bin'), bytes.subarray(0, middle));
  await writeFile(join(folder, 'group1-shard2of2.bin'), bytes.subarray(middle));
  await unlink(join(folder, 'weights.bin'));
  modelJson.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
  await writeFile(join(folder, 'model.json'), JSON.stringify(modelJson));
}

async function copyModel(from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true });
  const modelJson = JSON.parse(await readFile(join(from, 'model.json'), 'utf8'));
  await copyFile(join(from, 'model.json'), join(to, 'model.json'));
  for (const path of modelJson.weightsManifest[0].paths) await copyFile(join(from, path), join(to, path));
}

async function expectLoadError(load: Promise<unknown>, ...fragments: string[]): Promise<NetlensError> {
  const error = await load.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(NetlensError);
  expect((error as NetlensError).code).toBe('MODEL_LOAD');
  for (const fragment of fragments) expect((error as NetlensError).message).toContain(fragment);
  return error as NetlensError;
}

describeOnBackends('loadClassifier', () => {
  let root: string;
  let layersDir: string;
  let graphDir: string;
  let reference: { layers: ImageClassifier; graph: ImageClassifier; dispose(): void };
  let http: Awaited<ReturnType<typeof serve>>;
  let images: tf.Tensor4D;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'netlens-load-'));
    layersDir = join(root, 'layers');
    graphDir = join(root, 'graph');
    const layersModel = createTinyLayersModel();
    const graphModel = createTinyGraphModel();
    await layersModel.save(fileSystemHandler(layersDir));
    await graphModel.save(fileSystemHandler(join(graphDir, 'model.json')));
    await shard(graphDir);
    reference = {
      layers: fromLayersModel(layersModel),
      graph: fromGraphModel(graphModel),
      dispose: () => {
        layersModel.dispose();
        graphModel.dispose();
      },
    };
    http = await serve(root);
    images = tinyImages(3);
  });

  afterAll(async () => {
    images.dispose();
    reference.dispose();
    await new Promise((done) => http.server.close(done));
    await rm(root, { recursive: true, force: true });
  });

  async function expectSameLogits(loaded: LoadedClassifier, expected: ImageClassifier): Promise<void> {
    expect(loaded.numClasses).toBe(TINY_NUM_CLASSES);
    expect(loaded.inputShape).toEqual([8, 8, 3]);
    const actual = loaded.logits(images);
    const wanted = expected.logits(images);
    try {
      await expectTensorsClose(actual, wanted);
    } finally {
      tf.dispose([actual, wanted]);
    }
  }

  const sources = {
    path: (folder: string) => join(folder, 'model.json'),
    folder: (folder: string) => folder,
    'file:// URL': (folder: string) => pathToFileURL(join(folder, 'model.json')),
    'http URL': (folder: string) => `${http.url}/${folder === layersDir ? 'layers' : 'graph'}/model.json`,
  };

  for (const format of ['layers', 'graph'] as const) {
    for (const [kind, source] of Object.entries(sources)) {
      it(`loads a ${format} model from a ${kind} and returns the original's logits without leaking`, async () => {
        const folder = format === 'layers' ? layersDir : graphDir;
        await expectNoLeak(async () => {
          const loaded = await loadClassifier(source(folder));
          expect(loaded.format).toBe(format);
          await expectSameLogits(loaded, reference[format]);
          loaded.dispose();
        });
      });
    }
  }

  it('loads from an IOHandler (tf.io.fromMemory) and reports progress once', async () => {
    const artifacts = await fileSystemHandler(layersDir).load!();
    const progress: number[] = [];
    await expectNoLeak(async () => {
      const loaded = await loadClassifierInBrowser(tf.io.fromMemory(artifacts), {
        classNames: ['a', 'b', 'c', 'd', 'e'],
        onProgress: (fraction) => progress.push(fraction),
      });
      expect(loaded.classNames).toEqual(['a', 'b', 'c', 'd', 'e']);
      await expectSameLogits(loaded, reference.layers);
      loaded.dispose();
    });
    expect(progress).toEqual([1]);
  });

  it('reports download progress over HTTP, ending at 1', async () => {
    const progress: number[] = [];
    http.requests.length = 0;
    const loaded = await loadClassifierInBrowser(`${http.url}/graph/model.json`, {
      onProgress: (fraction) => progress.push(fraction),
    });
    loaded.dispose();
    expect(http.requests).toEqual([
      '/graph/model.json',
      '/graph/group1-shard1of2.bin',
      '/graph/group1-shard2of2.bin',
    ]);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
    expect([...progress].sort((a, b) => a - b)).toEqual(progress);
  });

  it('reports file progress per file read', async () => {
    const progress: number[] = [];
    const loaded = await loadClassifier(graphDir, { onProgress: (fraction) => progress.push(fraction) });
    loaded.dispose();
    expect(progress).toEqual([1 / 3, 2 / 3, 1]);
  });

  it('names a missing model.json', async () => {
    const path = join(root, 'absent', 'model.json');
    await expectNoLeak(() => expectLoadError(loadClassifier(path), path, 'does not exist'));
  });

  it('names a missing weight shard, from a path and over HTTP', async () => {
    const folder = join(root, 'missing-shard');
    await copyModel(graphDir, folder);
    await unlink(join(folder, 'group1-shard2of2.bin'));
    await expectNoLeak(async () => {
      await expectLoadError(loadClassifier(folder), join(folder, 'group1-shard2of2.bin'), 'is missing');
      await expectLoadError(
        loadClassifier(`${http.url}/missing-shard/model.json`),
        '/missing-shard/model.json',
        '/missing-shard/group1-shard2of2.bin answered HTTP 404',
      );
    });
  });

  it('names the file and the tensor of a truncated weight file', async () => {
    const folder = join(root, 'truncated');
    await copyModel(layersDir, folder);
    const size = (await readFile(join(folder, 'weights.bin'))).byteLength;
    await truncate(join(folder, 'weights.bin'), size - 8);
    await expectNoLeak(async () => {
      await expectLoadError(
        loadClassifier(folder),
        join(folder, 'weights.bin'),
        '8 bytes shorter',
        "tensor 'probabilities/bias'",
      );
      // Over HTTP the files are not known to netlens, but the tensor is.
      await expectLoadError(
        loadClassifier(`${http.url}/truncated/model.json`),
        '/truncated/model.json',
        "tensor 'probabilities/bias'",
      );
    });
  });

  it('names the tensor whose manifest shape does not fit the layers model', async () => {
    const folder = join(root, 'bad-shape');
    await copyModel(layersDir, folder);
    const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    const kernel = modelJson.weightsManifest[0].weights.find(
      (weight: { name: string }) => weight.name === 'conv1/kernel',
    );
    kernel.shape = [3, 3, 4, 3]; // same byte count, wrong shape
    await writeFile(join(folder, 'model.json'), JSON.stringify(modelJson));
    await expectNoLeak(() =>
      expectLoadError(
        loadClassifier(folder),
        "tensor 'conv1/kernel' has shape [3, 3, 4, 3] in the manifest but the model needs [3, 3, 3, 4]",
      ),
    );
  });

  it('refuses a manifest whose shapes need fewer bytes than the weight file holds', async () => {
    const folder = join(root, 'short-shape');
    await copyModel(layersDir, folder);
    const modelJson = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
    modelJson.weightsManifest[0].weights[0].shape = [3, 3, 3, 2];
    await writeFile(join(folder, 'model.json'), JSON.stringify(modelJson));
    await expectNoLeak(() => expectLoadError(loadClassifier(folder), 'more bytes than its weights manifest'));
  });

  it('refuses an unknown model format', async () => {
    const folder = join(root, 'unknown');
    await mkdir(folder, { recursive: true });
    await writeFile(
      join(folder, 'model.json'),
      JSON.stringify({ format: 'onnx', modelTopology: { graph: {} } }),
    );
    await expectNoLeak(() => expectLoadError(loadClassifier(folder), "format 'onnx'", 'options.format'));
  });

  it('refuses paths in the browser-safe entry, pointing to the Node entry', async () => {
    await expectLoadError(loadClassifierInBrowser(join(layersDir, 'model.json')), '@netlens/models/node');
  });

  it('mobileNetV2 refuses a model whose input is not 224×224×3, without leaking', async () => {
    await expectNoLeak(() => expectLoadError(mobileNetV2(layersDir), "not MobileNet v2's [224, 224, 3]"));
  });
});

describe('registerFileRouter', () => {
  it('routes file:// URLs to the file-system handler for tfjs loaders', async () => {
    const url = 'file:///nonexistent/model.json';
    registerFileRouter();
    registerFileRouter();
    const handlers = tf.io.getLoadHandlers(url);
    expect(handlers).toHaveLength(1);
    await expectLoadError(handlers[0]!.load!(), '/nonexistent/model.json', 'does not exist');
    expect(tf.io.getSaveHandlers(url)).toHaveLength(1);
  });
});
