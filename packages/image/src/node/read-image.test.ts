import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rejected } from '../__fixtures__/errors';
import { levels, pickChannels, testPattern } from '../__fixtures__/pixels';
import { readImage } from './read-image';
import { writePng } from './write-png';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'netlens-image-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describeOnBackends('writePng and readImage', () => {
  it('write a PNG file and read it back exactly, by path, file: URL or bytes', async () => {
    await expectNoLeak(async () => {
      const values = new Float32Array(3 * 5 * 3).map((_, i) => ((i * 17) % 256) / 255);
      const image = tf.tensor4d(values, [1, 3, 5, 3]);
      const path = join(directory, 'round-trip.png');
      await writePng(path, image);
      for (const input of [path, pathToFileURL(path), new Uint8Array(await readFile(path))]) {
        const decoded = await readImage(input);
        expect(decoded.shape).toEqual([1, 3, 5, 3]);
        expect(Array.from(await decoded.data())).toEqual(Array.from(values));
        decoded.dispose();
      }
      image.dispose();
    });
  });

  it('sniffs the format from the bytes, not the extension', async () => {
    await expectNoLeak(async () => {
      const rgba = testPattern(16, 8).map((v, i) => (i % 4 === 3 ? 255 : v));
      const path = join(directory, 'actually-a-jpeg.png');
      await writeFile(path, jpeg.encode({ width: 16, height: 8, data: rgba }, 95).data);
      const decoded = await readImage(path);
      expect(decoded.shape).toEqual([1, 8, 16, 3]);
      // Mean error within JPEG loss: a PNG decoder would have refused the file outright.
      const raw = levels(pickChannels(rgba, 4, [0, 1, 2]));
      const data = await decoded.data();
      expect(raw.reduce((sum, v, i) => sum + Math.abs(v - (data[i] as number)), 0) / raw.length).toBeLessThan(
        3 / 255,
      );
      decoded.dispose();
    });
  });

  it('reads grey PNGs written with writePng as one channel with colorMode source', async () => {
    await expectNoLeak(async () => {
      const image = tf.tensor3d(
        [0, 0.2, 0.4, 1].map((v) => Math.round(v * 255) / 255),
        [2, 2, 1],
      );
      const path = join(directory, 'grey.png');
      await writePng(path, image);
      const decoded = await readImage(path, { colorMode: 'source' });
      expect(decoded.shape).toEqual([1, 2, 2, 1]);
      expect(Array.from(await decoded.data())).toEqual(Array.from(await image.data()));
      tf.dispose([image, decoded]);
    });
  });

  it('names the path when a file is missing or corrupt', async () => {
    await expectNoLeak(async () => {
      const missing = join(directory, 'missing.png');
      const notFound = await rejected(() => readImage(missing));
      expect(notFound).toBeInstanceOf(NetlensError);
      expect((notFound as NetlensError).code).toBe('IMAGE_DECODE');
      expect((notFound as Error).message).toContain(missing);
      expect((notFound as Error).message).toMatch(/ENOENT/);

      const truncated = join(directory, 'truncated.png');
      const image = tf.zeros([4, 4, 3]) as tf.Tensor3D;
      await writePng(truncated, image);
      const bytes = await readFile(truncated);
      await writeFile(truncated, bytes.subarray(0, bytes.length - 20));
      const error = await rejected(() => readImage(truncated));
      expect((error as NetlensError).code).toBe('IMAGE_DECODE');
      expect((error as Error).message).toContain(`'${truncated}'`);
      expect((error as Error).message).toMatch(/truncated/);
      image.dispose();
    });
  });

  it('rejects bad arguments with typed errors', async () => {
    await expectNoLeak(async () => {
      const input = await rejected(() => readImage(42 as unknown as string));
      expect((input as InvalidArgumentError).argument).toBe('input');
      const batch = tf.zeros([2, 2, 2, 3]) as tf.Tensor4D;
      const write = await rejected(() => writePng(join(directory, 'batch.png'), batch));
      expect(write).toBeInstanceOf(InvalidArgumentError);
      expect((write as InvalidArgumentError).argument).toBe('image');
      batch.dispose();
    });
  });
});

/** Rejects after `ms` so that a read that never ends fails the test instead of hanging the run. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function expectReadRefused(input: string | URL, pattern: RegExp, options = {}): Promise<void> {
  const started = performance.now();
  const error = await rejected(() => within(5000, readImage(input, options)));
  expect(error).toBeInstanceOf(NetlensError);
  expect((error as NetlensError).code).toBe('IMAGE_DECODE');
  expect((error as Error).message).toMatch(pattern);
  expect(performance.now() - started).toBeLessThan(2000);
}

describeOnBackends('readImage: only regular files, within a size cap', () => {
  it('refuses /dev/zero at once instead of reading forever', async () => {
    if (!existsSync('/dev/zero')) return;
    await expectNoLeak(() =>
      expectReadRefused('/dev/zero', /'\/dev\/zero': it is a character device, not a regular file/),
    );
  });

  it('refuses a FIFO without waiting for a writer, and a directory', async () => {
    await expectNoLeak(async () => {
      const fifo = join(directory, 'pipe.png');
      if (!existsSync(fifo)) execFileSync('mkfifo', [fifo]);
      await expectReadRefused(fifo, /pipe\.png': it is a FIFO \(named pipe\), not a regular file/);
      const folder = join(directory, 'folder.png');
      await mkdir(folder, { recursive: true });
      await expectReadRefused(folder, /folder\.png': it is a directory, not a regular file/);
    });
  });

  it('refuses files over maxFileBytes from their size, and reads one exactly at the cap', async () => {
    await expectNoLeak(async () => {
      const image = tf.zeros([4, 4, 3]) as tf.Tensor3D;
      const path = join(directory, 'capped.png');
      await writePng(path, image);
      const size = (await readFile(path)).length;
      await expectReadRefused(
        path,
        new RegExp(
          `capped\\.png': it is ${size} bytes \\(.*\\), larger than options\\.maxFileBytes = ${size - 1} `,
        ),
        { maxFileBytes: size - 1 },
      );
      const decoded = await readImage(path, { maxFileBytes: size });
      expect(decoded.shape).toEqual([1, 4, 4, 3]);
      tf.dispose([image, decoded]);
      const bad = await rejected(() => readImage(path, { maxFileBytes: 0 }));
      expect((bad as InvalidArgumentError).argument).toBe('options.maxFileBytes');
    });
  });

  it('refuses http(s) URLs, as URL objects or strings, with a typed error naming the input', async () => {
    for (const input of [new URL('http://127.0.0.1:9/cat.png'), 'https://example.com/cat.png']) {
      const error = await rejected(() => readImage(input));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).argument).toBe('input');
      expect((error as Error).message).toMatch(/does not fetch/);
      expect((error as Error).message).toMatch(/the (http|https): URL/);
    }
  });
});
