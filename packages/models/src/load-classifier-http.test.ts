import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NetlensError, selectBackend } from '@netlens/backends';
import { expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_LOGITS, probeModelJson, probeWeightBytes } from './__fixtures__/probe-model';
import { loadClassifier } from './load-classifier';

// Hostile and broken servers, each a loopback server on its own port (so two servers are two
// origins). Every test is bounded by short time limits; a load that hangs fails the test's timeout.

type Route = (request: IncomingMessage, response: ServerResponse) => void;

interface TestServer {
  url: string;
  requests: string[];
  routes: Map<string, Route>;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  const requests: string[] = [];
  const routes = new Map<string, Route>();
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    requests.push(path);
    const route = routes.get(path);
    if (route) route(request, response);
    else response.writeHead(404).end();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    routes,
    close: () =>
      new Promise((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}

const sendBody =
  (body: string | Uint8Array): Route =>
  (_request, response) => {
    response.writeHead(200, { 'content-length': Buffer.byteLength(body) }).end(body);
  };

/** Never answers (the socket stays open until the test server closes). */
const hang: Route = () => undefined;

/** Sends `body` one byte every `milliseconds`, having announced its full length. */
const trickle =
  (body: string, milliseconds: number): Route =>
  (_request, response) => {
    response.writeHead(200, { 'content-length': Buffer.byteLength(body) });
    let index = 0;
    const timer = setInterval(() => {
      if (response.destroyed || index >= body.length) {
        clearInterval(timer);
        response.end();
        return;
      }
      response.write(body[index]);
      index += 1;
    }, milliseconds);
    response.on('close', () => clearInterval(timer));
  };

/** Sends 64 KiB chunks without end (no content-length) until the client goes away. */
const endless: Route = (_request, response) => {
  response.writeHead(200);
  const chunk = Buffer.alloc(64 * 1024, 32);
  const write = () => {
    while (!response.destroyed && response.write(chunk)) {
      // keep filling the socket until it pushes back
    }
    if (!response.destroyed) response.once('drain', write);
  };
  write();
};

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

async function expectProbeLogits(source: string, options = {}): Promise<void> {
  await expectNoLeak(async () => {
    const loaded = await loadClassifier(source, options);
    const logits = tf.tidy(() => loaded.logits(tf.ones([1, 1, 1, 1])));
    expect(Array.from(await logits.data())).toEqual(PROBE_LOGITS);
    logits.dispose();
    loaded.dispose();
  });
}

describe('loadClassifier over HTTP from hostile or broken servers', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    await selectBackend(['cpu']);
    [a, b] = await Promise.all([startServer(), startServer()]);
  });

  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  const reset = () => {
    a.requests.length = 0;
    b.requests.length = 0;
  };

  it('follows a redirect to another origin and fetches the weights from where model.json came from', async () => {
    a.routes.set('/moved/model.json', (_request, response) => {
      response.writeHead(302, { location: `${b.url}/models/probe/model.json` }).end();
    });
    b.routes.set('/models/probe/model.json', sendBody(probeModelJson(['weights.bin'])));
    b.routes.set('/models/probe/weights.bin', sendBody(probeWeightBytes()));
    reset();
    await expectProbeLogits(`${a.url}/moved/model.json`);
    expect(a.requests).toEqual(['/moved/model.json']);
    expect(b.requests).toEqual(['/models/probe/model.json', '/models/probe/weights.bin']);
  });

  it('refuses weight URLs on another origin than model.json, unless allowCrossOriginWeights', async () => {
    a.routes.set('/cross/model.json', sendBody(probeModelJson([`${b.url}/models/probe/weights.bin`])));
    reset();
    const error = await loadError(loadClassifier(`${a.url}/cross/model.json`));
    expect(error.code).toBe('MODEL_LOAD');
    expect(a.requests).toEqual(['/cross/model.json']);
    expect(error.message).toContain(`outside ${a.url}, where model.json came from`);
    expect(error.message).toContain('allowCrossOriginWeights');
    expect(b.requests).toEqual([]);
    await expectProbeLogits(`${a.url}/cross/model.json`, { allowCrossOriginWeights: true });
    expect(b.requests).toEqual(['/models/probe/weights.bin']);
    // Protocol-relative and non-http URLs are refused as well; the opt-out covers http(s) only.
    for (const path of [`//127.0.0.1:${new URL(b.url).port}/w.bin`, 'file:///etc/hostname', 'data:,x']) {
      a.routes.set('/odd/model.json', sendBody(probeModelJson([path])));
      const odd = await loadError(
        loadClassifier(`${a.url}/odd/model.json`, {
          allowCrossOriginWeights: !path.startsWith('//'),
        }),
      );
      expect(odd.code).toBe('MODEL_LOAD');
      expect(odd.message).toContain('outside');
    }
  });

  it("follows the same-origin server's redirect of a weight file (the server's choice, not model.json's)", async () => {
    a.routes.set('/cdn/model.json', sendBody(probeModelJson(['weights.bin'])));
    a.routes.set('/cdn/weights.bin', (_request, response) => {
      response.writeHead(307, { location: `${b.url}/blobs/weights.bin` }).end();
    });
    b.routes.set('/blobs/weights.bin', sendBody(probeWeightBytes()));
    reset();
    await expectProbeLogits(`${a.url}/cdn/model.json`);
    expect(a.requests).toEqual(['/cdn/model.json', '/cdn/weights.bin']);
    expect(b.requests).toEqual(['/blobs/weights.bin']);
  });

  it('checks every weight URL before requesting any: a later cross-origin group stops the first one too', async () => {
    const json = JSON.parse(probeModelJson(['weights.bin']));
    json.weightsManifest.push({ paths: [`${b.url}/more.bin`], weights: [] });
    a.routes.set('/mixed/model.json', sendBody(JSON.stringify(json)));
    a.routes.set('/mixed/weights.bin', sendBody(probeWeightBytes()));
    reset();
    const error = await loadError(loadClassifier(`${a.url}/mixed/model.json`));
    expect(error.message).toContain(`Weight path '${b.url}/more.bin'`);
    expect(a.requests).toEqual(['/mixed/model.json']);
    expect(b.requests).toEqual([]);
  });

  it('times out a server that never answers, promptly and with a TIMEOUT error naming the URL', async () => {
    a.routes.set('/hang/model.json', hang);
    const start = performance.now();
    const error = await loadError(loadClassifier(`${a.url}/hang/model.json`, { timeoutMs: 300 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(`${a.url}/hang/model.json did not answer in full within 300 ms`);
    expect(performance.now() - start).toBeLessThan(2000);
  }, 10_000);

  it('times out a server that answers too slowly (one byte every 50 ms)', async () => {
    a.routes.set('/slow/model.json', trickle(probeModelJson(['weights.bin']), 50));
    const start = performance.now();
    const error = await loadError(loadClassifier(`${a.url}/slow/model.json`, { timeoutMs: 400 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toMatch(/within 400 ms \(\d+ bytes received\)/);
    expect(performance.now() - start).toBeLessThan(2000);
  }, 10_000);

  it('times out a weight shard that never arrives, naming the shard', async () => {
    a.routes.set('/hang-shard/model.json', sendBody(probeModelJson(['weights.bin'])));
    a.routes.set('/hang-shard/weights.bin', hang);
    const error = await loadError(loadClassifier(`${a.url}/hang-shard/model.json`, { timeoutMs: 300 }));
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toContain(`${a.url}/hang-shard/weights.bin`);
  }, 10_000);

  it('aborts a hanging load when the signal fires, and refuses at once when it already has', async () => {
    a.routes.set('/hang/model.json', hang);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('user gave up')), 100);
    const start = performance.now();
    const error = await loadError(loadClassifier(`${a.url}/hang/model.json`, { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect((error.cause as Error).message).toBe('user gave up');
    expect(performance.now() - start).toBeLessThan(2000);
    reset();
    const early = await loadError(loadClassifier(`${a.url}/hang/model.json`, { signal: controller.signal }));
    expect(early.code).toBe('ABORTED');
    expect(a.requests).toEqual([]);
  }, 10_000);

  it('reports a shard cut off before its announced length as a MODEL_LOAD error', async () => {
    a.routes.set('/cut/model.json', sendBody(probeModelJson(['weights.bin'])));
    a.routes.set('/cut/weights.bin', (_request, response) => {
      response.writeHead(200, { 'content-length': 40 });
      response.write(Buffer.alloc(20));
      setTimeout(() => response.destroy(), 20);
    });
    const error = await loadError(loadClassifier(`${a.url}/cut/model.json`, { timeoutMs: 5000 }));
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toContain(`${a.url}/cut/weights.bin failed after 20 of the 40 bytes it announced`);
  }, 10_000);

  it('cuts off a shard that sends more than the manifest declares, and an endless model.json', async () => {
    a.routes.set('/endless/model.json', sendBody(probeModelJson(['weights.bin'])));
    a.routes.set('/endless/weights.bin', endless);
    const start = performance.now();
    const error = await loadError(loadClassifier(`${a.url}/endless/model.json`));
    expect(error.code).toBe('MODEL_LOAD');
    expect(error.message).toMatch(
      /sent more bytes than the weightsManifest .* describes for its group \(at least \d+ of 40 bytes\)/,
    );
    a.routes.set('/endless-json/model.json', endless);
    const json = await loadError(
      loadClassifier(`${a.url}/endless-json/model.json`, { maxModelJsonBytes: 100_000 }),
    );
    expect(json.message).toContain('more than the 100000 allowed');
    expect(performance.now() - start).toBeLessThan(3000);
  }, 10_000);

  it('refuses a model.json whose announced length exceeds the cap without reading it', async () => {
    a.routes.set('/announced/model.json', (_request, response) => {
      response.writeHead(200, { 'content-length': 2 ** 40 });
      response.write('{');
    });
    const error = await loadError(loadClassifier(`${a.url}/announced/model.json`));
    expect(error.message).toContain(
      `answered with ${2 ** 40} bytes for model.json, more than the 33554432 allowed`,
    );
  }, 10_000);
});
