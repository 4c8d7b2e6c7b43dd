import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { NetlensError } from '@netlens/backends';
import { writePng } from '@netlens/image/node';
import type * as tf from '@tensorflow/tfjs-core';
import { CliError, EXIT_CODES } from './cli-error';

/** A file a command wrote, with what it shows (for the summary table and `--json`). */
export interface WrittenFile {
  path: string;
  description: string;
  /** One of many per-image files (left out of summaries, which count them instead). */
  detail?: boolean;
}

/** The default `--out` folder of every command, or its parent: checked before any work. */
export const OUTPUT_ROOT = 'netlens-out';

/** Why a file-system call failed, in words, from a Node error code (never the raw `EACCES: …`). */
function fileSystemReason(error: unknown): string | undefined {
  const nodeCode = (value: unknown) => {
    const code = (value as { code?: unknown } | null | undefined)?.code;
    return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : undefined;
  };
  let current: unknown = error;
  // A library may wrap the Node error (a NetlensError with it as cause).
  while (current instanceof Error && nodeCode(current) === undefined) current = current.cause;
  const code = nodeCode(current);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'the file system is read-only';
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a file is in the way (a folder is needed)';
    case 'ENOENT':
      return 'a folder on the way does not exist and cannot be created';
    case 'EISDIR':
      return 'a folder is in the way (a file is needed)';
    case 'ENOSPC':
    case 'EDQUOT':
      return 'no space left';
    case 'ENAMETOOLONG':
      return 'the name is too long';
    default:
      return code === undefined ? undefined : `the system refused (${code})`;
  }
}

/** A write failure as an input error naming `--out`, in words. */
function writeFailure(what: string, error: unknown): CliError {
  const reason =
    fileSystemReason(error) ?? (error instanceof NetlensError ? error.message : 'it cannot be written');
  return new CliError(`--out: ${what}: ${reason}.`, EXIT_CODES.input);
}

/**
 * Checks, before a command does any work, that its output folder can be written: the folder, or the
 * nearest folder above it that exists (nothing is created yet), must be a folder that takes a probe
 * file. An input error (exit 3) naming `--out` when not.
 */
export function checkOutputFolder(value: string | undefined, fallback: string): void {
  const folder = resolve(value ?? fallback);
  let existing = folder;
  for (;;) {
    try {
      statSync(existing);
      break;
    } catch (error) {
      const parent = dirname(existing);
      if (nodeErrorCode(error) !== 'ENOENT' || parent === existing) {
        throw writeFailure(`cannot create ${folder}`, error);
      }
      existing = parent;
    }
  }
  if (!statSync(existing).isDirectory()) {
    throw new CliError(
      `--out: cannot create ${folder}: a file is in the way (a folder is needed).`,
      EXIT_CODES.input,
    );
  }
  probeWrite(existing, folder);
}

const nodeErrorCode = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** Folder permissions alone do not tell (ACLs, read-only mounts, root): a real write does. */
function probeWrite(directory: string, folder: string): void {
  const probe = join(directory, `.netlens-write-check-${process.pid}-${Date.now()}`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
    unlinkSync(probe);
  } catch (error) {
    throw writeFailure(`cannot write into ${folder}`, error);
  }
}

/**
 * The output folder, created if missing and checked writable by writing and removing a probe file;
 * an input error (exit 3) naming `--out` when it cannot be.
 */
export function outputFolder(value: string | undefined, fallback: string): string {
  const folder = resolve(value ?? fallback);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw writeFailure(`cannot create ${folder}`, error);
  }
  probeWrite(folder, folder);
  return folder;
}

/** Writes `image` (`[1, H, W, C]` or `[H, W, C]` in [0, 1]) as `folder/name` and records it. */
export async function writePicture(
  files: WrittenFile[],
  folder: string,
  name: string,
  image: tf.Tensor3D | tf.Tensor4D,
  description: string,
  detail = false,
): Promise<string> {
  const path = join(folder, name);
  try {
    await writePng(path, image);
  } catch (error) {
    throw writeFailure(`cannot write ${path}`, error);
  }
  files.push({ path: relative(process.cwd(), path) || path, description, ...(detail ? { detail } : {}) });
  return path;
}

/** Writes `bytes` to `path` in the output folder; a failure is an input error naming `--out`. */
export function writeOutputBytes(path: string, bytes: Uint8Array | string): void {
  try {
    writeFileSync(path, bytes);
  } catch (error) {
    throw writeFailure(`cannot write ${path}`, error);
  }
}

/** `files` as a Markdown table for the terminal; per-image files are counted, not listed. */
export function formatFiles(files: readonly WrittenFile[]): string {
  const rows = files
    .filter((file) => !file.detail)
    .map((file) => `| ${file.path} | ${file.description.replace(/\|/g, '\\|')} |`);
  const details = files.filter((file) => file.detail).length;
  const table = ['| file | what it shows |', '|---|---|', ...rows].join('\n');
  return details > 0
    ? `${table}\n\n(and ${details} per-image files beside them; --json lists every file)`
    : table;
}
