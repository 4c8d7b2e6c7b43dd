import { mkdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
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

/** The output folder, created if missing; a usage error when it cannot be. */
export function outputFolder(value: string | undefined, fallback: string): string {
  const folder = resolve(value ?? fallback);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new CliError(`--out: cannot create ${folder}: ${(error as Error).message}`, EXIT_CODES.input);
  }
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
  await writePng(path, image);
  files.push({ path: relative(process.cwd(), path) || path, description, ...(detail ? { detail } : {}) });
  return path;
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
