import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';

const root = mkdtempSync(join(tmpdir(), 'netlens-cli-model-'));
const out = join(root, 'out');
const secret = join(root, 'secret.bin');
// 40 bytes: exactly what the probe model's weights need, so only the path check can stop it.
writeFileSync(secret, Buffer.from(new Float32Array([7, 7, 7, 7, 7, 7, 7, 7, 7, 7]).buffer));

const PROBE_WEIGHTS = [
  { name: 'dense/kernel', shape: [1, 5], dtype: 'float32' },
  { name: 'dense/bias', shape: [5], dtype: 'float32' },
];

/** A model folder whose model.json lists `paths` as weights; `topology: false` writes weights only. */
function modelFolder(name: string, paths: string[], topology = true): string {
  const folder = join(root, 'models', name);
  mkdirSync(folder, { recursive: true });
  const modelTopology = {
    class_name: 'Sequential',
    config: {
      layers: [
        { class_name: 'Flatten', config: { name: 'flatten', batch_input_shape: [null, 1, 1, 1] } },
        { class_name: 'Dense', config: { name: 'dense', units: 5 } },
      ],
    },
  };
  writeFileSync(
    join(folder, 'model.json'),
    JSON.stringify({
      ...(topology ? { format: 'layers-model', modelTopology } : {}),
      weightsManifest: [{ paths, weights: PROBE_WEIGHTS }],
    }),
  );
  return folder;
}

describe('--model and --weights from untrusted folders and servers', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    // Never answers: only a time limit ends a request to it.
    server = createServer(() => undefined);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((done) => server.close(done));
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a model.json whose weights lie outside its folder, exit 3, without naming the file', async () => {
    const folder = modelFolder('dotdot', ['../../secret.bin']);
    const io = captureIo();
    expect(await runCli(['fool', '--backend', 'cpu', '--model', folder, '--out', out], io)).toBe(3);
    expect(io.err).toContain("Weight path '../../secret.bin'");
    expect(io.err).toContain("contains '..'");
    expect(io.err).not.toContain(secret);
    expect(io.out).toBe('');
  });

  it('refuses SqueezeNet --weights whose manifest leaves its folder, exit 3', async () => {
    const folder = modelFolder('weights-dotdot', ['../../secret.bin'], false);
    const io = captureIo();
    const args = [
      'fool',
      '--backend',
      'cpu',
      '--model',
      'squeezenet',
      '--weights',
      join(folder, 'model.json'),
    ];
    expect(await runCli([...args, '--out', out], io)).toBe(3);
    expect(io.err).toContain(`--weights: cannot load ${join(folder, 'model.json')}`);
    expect(io.err).toContain("contains '..'");
    expect(io.err).not.toContain(secret);
  });

  it('stops a download that takes longer than --timeout, exit 3, pointing at --timeout', async () => {
    const io = captureIo();
    const start = performance.now();
    const args = ['fool', '--backend', 'cpu', '--model', `${url}/model.json`, '--timeout', '0.3'];
    expect(await runCli([...args, '--out', out], io)).toBe(3);
    expect(io.err).toContain(`${url}/model.json did not answer in full within 300 ms`);
    expect(io.err).toContain('(raise --timeout)');
    expect(performance.now() - start).toBeLessThan(3000);
  }, 10_000);
});
