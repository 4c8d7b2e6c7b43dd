import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { InvalidArgumentError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { rejected } from '../__fixtures__/errors';
import { writePng } from './write-png';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'netlens-write-png-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Expects an InvalidArgumentError for `path` whose message matches every pattern. */
async function expectPathRefused(path: string | URL, patterns: RegExp[]): Promise<void> {
  await expectNoLeak(async () => {
    const image = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    const error = await rejected(() => writePng(path, image));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('path');
    for (const pattern of patterns) expect((error as Error).message).toMatch(pattern);
    image.dispose();
  });
}

describeOnBackends('writePng: where it may write', () => {
  it('refuses a path in a missing folder with a typed error naming both, and creates nothing', async () => {
    // A fresh folder per run: the suite repeats on every backend, and the next test writes a file.
    const folder = await mkdtemp(join(directory, 'missing-'));
    const path = join(folder, 'missing', 'deeper', 'out.png');
    await expectPathRefused(path, [
      new RegExp(`'${path.replace(/[/\\.]/g, '\\$&')}', whose folder '.*deeper' does not exist`),
      /ENOENT/,
    ]);
    await expectPathRefused(pathToFileURL(path), [/does not exist/]);
    expect(await readdir(folder)).toEqual([]);
  });

  it('refuses a path that is a folder, or whose parent is a file', async () => {
    await expectPathRefused(directory, [/EISDIR/]);
    const file = join(directory, 'plain.txt');
    await writeFile(file, 'not a folder');
    await expectPathRefused(join(file, 'out.png'), [/whose parent '.*plain\.txt' is not a folder/]);
  });

  it('refuses a path that is not a string or URL', async () => {
    await expectPathRefused(42 as unknown as string, [/received number 42/]);
    await expectPathRefused('', [/Invalid path/]);
  });
});
