import { type ImageClassifier, InvalidArgumentError } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';
import { throwIfAborted, yieldToEventLoop } from './steps';

/** Default memory budget of one chunk on GPU backends (`webgl`, `webgpu`, `node-webgpu`): 256 MiB. */
export const GPU_MEMORY_BUDGET = 256 * 1024 * 1024;
/** Default memory budget of one chunk elsewhere (`cpu`, `wasm`, `tensorflow`): 512 MiB. */
export const CPU_MEMORY_BUDGET = 512 * 1024 * 1024;

/** The default budget for the active backend: GPU memory is smaller and shared with rendering. */
export function defaultMemoryBudget(): number {
  const backend = tf.getBackend();
  return backend === 'webgl' || backend === 'webgpu' ? GPU_MEMORY_BUDGET : CPU_MEMORY_BUDGET;
}

/** What one chunk does per image, which decides the memory it peaks at. */
export type ChunkWork = 'gradient' | 'forward';

// Bytes one image's work peaks at, per model, then per backend and kind of work. Only numbers are
// held, and the WeakMap lets a model be collected as usual.
const measuredBytes = /* @__PURE__ */ new WeakMap<ImageClassifier, Map<string, number>>();

/**
 * Bytes that `run` allocates at its peak above what was allocated before it: the engine's
 * `tf.profile` peak, which tfjs-core records after every kernel from its own tensor accounting, so
 * it is the same on every backend (cpu, wasm, webgl, webgpu). It counts tensors, not a backend's
 * scratch space inside a kernel (XNNPACK's buffers on wasm) or a GPU backend's pool of recycled
 * buffers, which the budgets leave room for. Profiling times every kernel (on webgl without a
 * reliable timer query it reads each kernel's output back), which is why a measurement is cached.
 * Inside a caller's own `tf.profile` it reads the caller's kernel records instead of starting a
 * profile that would reset them; when that profile ends before `run` does (another call profiled
 * concurrently), the records are incomplete and the result is `undefined`.
 * @returns the peak growth in bytes, 0 when no kernel ran, `undefined` when it could not be measured.
 */
export async function measurePeakBytes(run: () => void | Promise<void>): Promise<number | undefined> {
  const engine = tf.engine();
  const before = engine.state.numBytes;
  let peak = Number.NEGATIVE_INFINITY;
  if (engine.state.profiling) {
    const profile = engine.state.activeProfile;
    const kernels = profile.kernels;
    const first = kernels.length;
    await run();
    if (!engine.state.profiling || engine.state.activeProfile !== profile || profile.kernels !== kernels) {
      return undefined;
    }
    for (let index = first; index < kernels.length; index++) {
      peak = Math.max(peak, kernels[index]?.totalBytesSnapshot ?? peak);
    }
  } else {
    // tf.profile leaves the engine in profiling mode when its function throws, so the error is
    // carried out of it and rethrown after the profile has ended.
    let failure: { error: unknown } | undefined;
    const info = await tf.profile(async () => {
      try {
        await run();
      } catch (error) {
        failure = { error };
      }
    });
    if (failure) throw failure.error;
    peak = info.peakBytes;
  }
  return Number.isFinite(peak) ? Math.max(0, peak - before) : 0;
}

/** How a chunked computation sizes its chunks. */
export interface ChunkingOptions {
  /** The classifier whose work is measured (and the key of the cache). */
  model: ImageClassifier;
  /**
   * What a chunk does per image, when it is the same for every call with this model (the cache
   * key); `undefined` when it depends on a caller's function (`scoreFn`, a wrapped method), so it
   * is measured on every call.
   */
  work: ChunkWork | undefined;
  /** Images one unit of work holds (a noisy copy of the whole batch for SmoothGrad, else 1). */
  imagesPerUnit: number;
  /** The caller's `internalBatchSize` in images; it wins over any measurement. */
  internalBatchSize?: number;
  /** The caller's `memoryBudget` in bytes. Default {@link defaultMemoryBudget}. */
  memoryBudget?: number;
}

/** The number of units a chunk holds, or `undefined` until one unit has been measured. */
export interface Chunking {
  unitsPerChunk(): number | undefined;
  /** Records the peak bytes a one-unit trial took (`undefined`: not measurable, one unit per chunk). */
  record(bytesPerUnit: number | undefined): void;
}

/**
 * Units per chunk for `bytesPerImage`: as many as fit `budget`, at least 1. A measured 0 (the work
 * ran outside tfjs' accounting, so its size is unknown) gives 1, the size that cannot be too big.
 */
export function unitsForBudget(bytesPerImage: number, imagesPerUnit: number, budget: number): number {
  if (!(bytesPerImage > 0)) return 1;
  return Math.max(1, Math.floor(budget / (bytesPerImage * imagesPerUnit)));
}

/**
 * Chunk sizing for one call: the caller's `internalBatchSize` when given; else the bytes one image's
 * work peaks at (cached per model and backend, or measured by the call's first chunk, which then
 * holds one unit) against the memory budget.
 */
export function createChunking(options: ChunkingOptions): Chunking {
  const { model, work, imagesPerUnit, internalBatchSize } = options;
  const budget = options.memoryBudget ?? defaultMemoryBudget();
  const key = `${tf.getBackend()}/${work}`;
  let bytesPerImage = work === undefined ? undefined : measuredBytes.get(model)?.get(key);
  return {
    unitsPerChunk() {
      if (internalBatchSize !== undefined) return Math.max(1, Math.floor(internalBatchSize / imagesPerUnit));
      return bytesPerImage === undefined ? undefined : unitsForBudget(bytesPerImage, imagesPerUnit, budget);
    },
    record(bytesPerUnit) {
      bytesPerImage = (bytesPerUnit ?? 0) / imagesPerUnit;
      if (work === undefined || bytesPerUnit === undefined) return;
      const perModel = measuredBytes.get(model) ?? new Map<string, number>();
      perModel.set(key, bytesPerImage);
      measuredBytes.set(model, perModel);
    },
  };
}

/** Cancellation and progress of {@link runChunks}. */
export interface ChunkControl {
  /** The public function's name, for the abort error. */
  name: string;
  signal?: AbortSignal;
  /** Called after every chunk with the units done so far. */
  progress?: (done: number) => unknown;
}

/**
 * Runs `run(start, count)` over `total` units in chunks sized by `chunking`, checking `signal`
 * before each chunk and yielding to the event loop between chunks. When the chunk size is not yet
 * known, the first chunk holds one unit and is measured with {@link measurePeakBytes}; its result
 * is kept, as for any other chunk.
 * @throws NetlensError `'ABORTED'` when `signal` fires; whatever `run` throws.
 */
export async function runChunks(
  chunking: Chunking,
  total: number,
  run: (start: number, count: number) => void | Promise<void>,
  control: ChunkControl,
): Promise<void> {
  let start = 0;
  while (start < total) {
    throwIfAborted(control.signal, control.name);
    const perChunk = chunking.unitsPerChunk();
    const count = Math.min(perChunk ?? 1, total - start);
    if (perChunk === undefined) {
      const from = start;
      chunking.record(await measurePeakBytes(() => run(from, 1)));
    } else {
      await run(start, count);
    }
    start += count;
    await control.progress?.(start);
    if (start < total) await yieldToEventLoop();
  }
}

/** Checks an `internalBatchSize` option: a positive integer or undefined. */
export function checkInternalBatchSize(value: unknown): number | undefined {
  if (value !== undefined && (typeof value !== 'number' || !Number.isInteger(value) || value < 1)) {
    throw new InvalidArgumentError('options.internalBatchSize', 'a positive integer', String(value));
  }
  return value;
}

/** Checks a `memoryBudget` option: a positive finite number of bytes or undefined. */
export function checkMemoryBudget(value: unknown): number | undefined {
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)) {
    throw new InvalidArgumentError('options.memoryBudget', 'a positive number of bytes', String(value));
  }
  return value;
}
