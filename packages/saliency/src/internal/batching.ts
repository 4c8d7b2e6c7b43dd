import type { ImageClassifier } from '@netlens/backends';
import * as tf from '@tensorflow/tfjs-core';

/** Memory budget for one forward/backward chunk on GPU backends (`webgl`, `webgpu`): 256 MB. */
export const GPU_CHUNK_BUDGET_BYTES = 256 * 1024 * 1024;
/** Memory budget for one forward/backward chunk on CPU backends (`cpu`, `wasm`, `tensorflow`): 512 MB. */
export const CPU_CHUNK_BUDGET_BYTES = 512 * 1024 * 1024;
/**
 * A backward pass keeps every forward activation alive and allocates gradients of the same size,
 * so one image's forward footprint is multiplied by this to cover forward plus backward.
 */
const BACKWARD_FACTOR = 3;
/** Used when the forward pass cannot be measured: bytes per image as a multiple of its input bytes. */
const INPUT_SIZE_FACTOR = 64;

/** Whether the active backend keeps tensors in GPU memory. */
function onGpu(): boolean {
  const backend = tf.getBackend();
  return backend === 'webgl' || backend === 'webgpu';
}

/**
 * A number of images per forward/backward pass that fits a memory budget: 256 MB on GPU backends
 * (`webgl`, `webgpu`), 512 MB elsewhere (CPU memory is larger and not shared with rendering). The
 * bytes one image needs are measured as the growth of `tf.memory().numBytes` during one forward
 * pass of the first image inside `tf.tidy` (every intermediate is still alive at that point), times
 * 3 for the backward pass; when that growth is not positive (a model that frees its own
 * intermediates), `64 ×` the image's input bytes is used instead. Runs one forward pass on the
 * active backend and leaves no tensors behind.
 *
 * ```ts
 * const batchSize = defaultInternalBatchSize(classifier, images, numSteps * images.shape[0]);
 * ```
 * @param model - the classifier whose forward pass is measured.
 * @param images - `[N, H, W, C]` images; only the first is run.
 * @param limit - the most images a chunk can hold (the number of interpolated images). Default no limit.
 * @returns an integer in `[1, limit]`.
 */
export function defaultInternalBatchSize(
  model: ImageClassifier,
  images: tf.Tensor4D,
  limit = Number.POSITIVE_INFINITY,
): number {
  const [, height, width, channels] = images.shape;
  const inputBytes = height * width * channels * 4;
  const measured = tf.tidy(() => {
    const first = tf.slice(images, [0, 0, 0, 0], [1, height, width, channels]);
    const afterSlice = tf.memory().numBytes;
    model.logits(first);
    return tf.memory().numBytes - afterSlice;
  });
  const forwardBytes = measured > 0 ? measured + inputBytes : inputBytes * INPUT_SIZE_FACTOR;
  const perImage = Math.max(1, forwardBytes * BACKWARD_FACTOR);
  const budget = onGpu() ? GPU_CHUNK_BUDGET_BYTES : CPU_CHUNK_BUDGET_BYTES;
  return Math.max(1, Math.min(Math.floor(budget / perImage), Math.floor(limit)));
}
