import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { selectBackend } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../__fixtures__/capture-io';
import { runCli } from '../run-cli';
import { CliError } from './cli-error';
import { checkOutputFolder, outputFolder, writePicture } from './output';

const root = mkdtempSync(join(tmpdir(), 'netlens-cli-out-'));
afterAll(() => {
  chmodSync(root, 0o755);
  rmSync(root, { recursive: true, force: true });
});

const RAW_CODES = /EACCES|EEXIST|ENOTDIR|ENOENT|EROFS|EPERM/;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

describe('--out', () => {
  const blocker = join(root, 'a-file');
  writeFileSync(blocker, 'not a folder');

  beforeAll(async () => {
    await selectBackend(['cpu']);
  });

  it('is checked before any work: a file in the way exits 3 before the model is even looked at', async () => {
    for (const out of [blocker, join(blocker, 'below')]) {
      const io = captureIo();
      const start = performance.now();
      // The model does not exist either: the --out error must come first, so nothing was loaded.
      const args = ['fool', '--backend', 'cpu', '--model', join(root, 'absent', 'model.json'), '--out', out];
      expect(await runCli(args, io)).toBe(3);
      expect(io.err).toContain(`--out: cannot create ${out}: a file is in the way (a folder is needed).`);
      expect(io.err).not.toMatch(RAW_CODES);
      expect(io.err).not.toContain('--model');
      expect(performance.now() - start).toBeLessThan(2000);
    }
  });

  it('creates nothing while checking: a missing folder below a writable one passes the check', () => {
    const out = join(root, 'new', 'deeper');
    checkOutputFolder(out, 'unused');
    expect(existsSync(join(root, 'new'))).toBe(false);
    expect(outputFolder(out, 'unused')).toBe(out);
    // The probe file is gone again.
    expect(readdirSync(out)).toEqual([]);
  });

  it.skipIf(isRoot)(
    'names an unwritable folder in words, without the raw EACCES (skipped as root: root writes anywhere)',
    async () => {
      const locked = join(root, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      try {
        const io = captureIo();
        expect(await runCli(['fool', '--backend', 'cpu', '--out', locked], io)).toBe(3);
        expect(io.err).toContain(`--out: cannot write into ${locked}: permission denied.`);
        expect(io.err).not.toMatch(RAW_CODES);
      } finally {
        chmodSync(locked, 0o755);
      }
    },
  );

  it('turns a write that fails after the check into an input error naming --out, not a raw error', async () => {
    const image = tf.zeros([2, 2, 3]) as tf.Tensor3D;
    const files: { path: string; description: string }[] = [];
    // The folder became a file between the check and the write.
    const error = await writePicture(files, blocker, 'x.png', image, 'x').then(
      () => undefined,
      (reason: unknown) => reason,
    );
    image.dispose();
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(3);
    expect((error as CliError).message).toMatch(/^--out: cannot write .*x\.png: /);
    expect((error as CliError).message).not.toMatch(RAW_CODES);
    expect(files).toEqual([]);
  });
});
