import { constants, type Stats } from 'node:fs';
import { type FileHandle, lstat, open, realpath } from 'node:fs/promises';
import { isAbsolute, join, posix, sep, win32 } from 'node:path';
import { NetlensError } from '@netlens/backends';

const errorCode = (error: unknown) => (error as { code?: unknown } | null)?.code;

/** A weight file inside a model's folder, checked to be a regular file, and its identity then. */
export interface CheckedWeightFile {
  /** The path as `model.json` names it, for messages. */
  name: string;
  /** Where it lies, inside the folder, links resolved. */
  path: string;
  size: number;
  /** Device and inode: reading it later must find the same file. */
  device: number;
  inode: number;
}

// O_NONBLOCK: opening a FIFO must not wait for a writer. O_NOFOLLOW: the last component was resolved.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

const inside = (folder: string, path: string) => path === folder || path.startsWith(folder + sep);

/**
 * Checks a weight file named by an untrusted `model.json`, confined to the model's folder: the name must
 * be relative, without `..`, absolute or drive parts, and every symbolic link on the way must resolve
 * inside the folder; the file must be a regular file (not a device, FIFO or socket). Messages name the
 * path as `model.json` gives it and never say anything about files outside the folder (whether they
 * exist, their kind or size).
 *
 * @param folder - the model's folder, already resolved with `realpath`.
 * @param name - the weight path from the manifest.
 * @param jsonPath - `model.json`'s path, for messages.
 */
export async function checkWeightFile(
  folder: string,
  name: string,
  jsonPath: string,
): Promise<CheckedWeightFile> {
  const refuse = (why: string): never => {
    throw new NetlensError(
      'MODEL_LOAD',
      `Weight path '${name}' in the weightsManifest of ${jsonPath} ${why}; weight files must be regular files inside the model's folder.`,
    );
  };
  if (name.includes('\0')) refuse('contains a NUL character');
  if (isAbsolute(name) || posix.isAbsolute(name) || win32.isAbsolute(name) || /^[a-z]:/i.test(name)) {
    refuse('is absolute');
  }
  const segments = name.split(/[\\/]/).filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) refuse("contains '..'");
  if (segments.length === 0) refuse('names no file');
  // Walk the path one component at a time so that a link is judged by where it leads before anything
  // behind it is looked at; a link that leads outside, or nowhere, gets the same refusal.
  let current = folder;
  for (const segment of segments) {
    const next = join(current, segment);
    let stats: Stats;
    try {
      stats = await lstat(next);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        throw new NetlensError(
          'MODEL_LOAD',
          `Weight file ${join(folder, ...segments)}, listed in the weightsManifest of ${jsonPath}, is missing.`,
          { cause: error },
        );
      }
      throw new NetlensError(
        'MODEL_LOAD',
        `Weight file ${join(folder, ...segments)}, listed in the weightsManifest of ${jsonPath}, cannot be read.`,
        { cause: error },
      );
    }
    if (stats.isSymbolicLink()) {
      let target: string | undefined;
      try {
        target = await realpath(next);
      } catch {
        target = undefined;
      }
      if (target === undefined || !inside(folder, target))
        refuse('is a symbolic link that does not lead to a file inside the folder');
      current = target as string;
    } else {
      current = next;
    }
  }
  let stats: Stats;
  try {
    // Opened and closed at once: only its kind, size and identity are needed now, and a manifest of
    // many files must not hold many descriptors.
    const handle = await open(current, OPEN_FLAGS);
    try {
      stats = await handle.stat();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new NetlensError(
      'MODEL_LOAD',
      `Weight file ${current}, listed in the weightsManifest of ${jsonPath}, cannot be read.`,
      { cause: error },
    );
  }
  // Inside the folder, so its kind may be said.
  if (stats.isDirectory()) refuse('is a folder');
  if (!stats.isFile()) refuse('is a device, FIFO or socket');
  return { name, path: current, size: stats.size, device: stats.dev, inode: stats.ino };
}

/**
 * Reads a checked weight file, refusing it when it is no longer the file that was checked (replaced,
 * resized or turned into something else meanwhile).
 */
export async function readWeightFile(file: CheckedWeightFile): Promise<Uint8Array> {
  const changed = () =>
    new NetlensError('MODEL_LOAD', `Weight file ${file.path} changed while the model was loaded.`);
  let handle: FileHandle;
  try {
    handle = await open(file.path, OPEN_FLAGS);
  } catch (error) {
    throw new NetlensError('MODEL_LOAD', `Weight file ${file.path} cannot be read.`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (
      !stats.isFile() ||
      stats.dev !== file.device ||
      stats.ino !== file.inode ||
      stats.size !== file.size
    ) {
      throw changed();
    }
    return await readExactly(handle, file.size, `Weight file ${file.path}`);
  } finally {
    await handle.close();
  }
}

/**
 * Reads exactly `size` bytes from an opened file, which the caller has checked against the manifest;
 * a file that shrank meanwhile is refused rather than read short.
 */
async function readExactly(handle: FileHandle, size: number, what: string): Promise<Uint8Array> {
  const bytes = new Uint8Array(size);
  let offset = 0;
  while (offset < size) {
    const { bytesRead } = await handle.read(bytes, offset, size - offset, offset);
    if (bytesRead === 0) {
      throw new NetlensError('MODEL_LOAD', `${what} changed while it was read.`);
    }
    offset += bytesRead;
  }
  return bytes;
}

/**
 * Reads `model.json` with a size cap, refusing anything but a regular file (a FIFO or device would
 * otherwise be read forever).
 */
export async function readModelJsonText(path: string, maxBytes: number): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const reason = errorCode(error) === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new NetlensError('MODEL_LOAD', `Model file ${path} ${reason}.`, { cause: error });
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) {
      throw new NetlensError('MODEL_LOAD', `Model file ${path} is not a regular file.`);
    }
    if (stats.size > maxBytes) {
      throw new NetlensError(
        'MODEL_LOAD',
        `Model file ${path} has ${stats.size} bytes, more than the ${maxBytes} allowed for a model.json; raise options.maxModelJsonBytes if it is genuine.`,
      );
    }
    const bytes = await readExactly(handle, stats.size, `Model file ${path}`);
    return new TextDecoder().decode(bytes);
  } finally {
    await handle.close();
  }
}
