import { fromFunction, type ImageClassifier, seededValues } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMobileNetV2Shaped } from '../__fixtures__/mobilenet-v2-shaped';
import { integratedGradients } from '../integrated-gradients';
import { occlusion } from '../occlusion';
import { smoothGrad } from '../smooth-grad';
import { CPU_MEMORY_BUDGET, defaultMemoryBudget, measurePeakBytes, unitsForBudget } from './batching';
import type { SaliencyStep } from './steps';

const MIB = 1024 * 1024;

/**
 * Runs `call` inside `tf.profile` with an `onStep` that records the steps and the tensor bytes alive
 * after each chunk (what a call carries between chunks: sums, baselines). Returns the steps, the
 * call's peak above the bytes before it, and the most bytes carried between chunks, so that
 * `peak − carried` bounds what one chunk allocated at its peak.
 */
async function profileChunks(
  call: (onStep: (progress: SaliencyStep) => void) => Promise<tf.Tensor | { attributions: tf.Tensor }>,
): Promise<{ steps: number[]; numSteps: number[]; peak: number; carried: number }> {
  const steps: number[] = [];
  const numSteps: number[] = [];
  let carried = 0;
  const before = tf.memory().numBytes;
  const info = await tf.profile(async () => {
    const result = await call((progress) => {
      steps.push(progress.step);
      numSteps.push(progress.numSteps);
      carried = Math.max(carried, tf.memory().numBytes - before);
    });
    tf.dispose(result instanceof tf.Tensor ? result : result.attributions);
  });
  return { steps, numSteps, peak: info.peakBytes - before, carried };
}

/** Chunk sizes from the cumulative steps `onStep` reported. */
function chunkSizes(steps: readonly number[]): number[] {
  return steps.map((step, index) => step - (index === 0 ? 0 : (steps[index - 1] as number)));
}

describe('unitsForBudget', () => {
  it('fits as many units as the budget holds, at least one', () => {
    expect(unitsForBudget(100, 1, 1000)).toBe(10);
    expect(unitsForBudget(100, 2, 1000)).toBe(5);
    expect(unitsForBudget(101, 1, 1000)).toBe(9);
    expect(unitsForBudget(5000, 1, 1000)).toBe(1);
  });

  it('gives one unit when nothing was measured (work outside tfjs accounting)', () => {
    expect(unitsForBudget(0, 1, 1000)).toBe(1);
    expect(unitsForBudget(Number.NaN, 3, 1000)).toBe(1);
  });
});

describeOnBackends('measurePeakBytes', () => {
  it('measures the bytes alive at the peak above those before, exactly', async () => {
    const x = tf.zeros([1000]);
    await expectNoLeak(async () => {
      // a and b (4000 bytes each) are alive together; x existed before and is not counted.
      const peak = await measurePeakBytes(() => {
        const a = tf.add(x, x);
        const b = tf.mul(a, a);
        tf.dispose([a, b]);
        const c = tf.add(x, x);
        c.dispose();
      });
      expect(peak).toBe(8000);
    });
    x.dispose();
  });

  it("reads a caller's tf.profile instead of resetting it", async () => {
    const x = tf.zeros([1000]);
    const before = tf.memory().numBytes;
    let inner: number | undefined;
    const outer = await tf.profile(async () => {
      const kept = tf.add(x, x);
      inner = await measurePeakBytes(() => {
        const a = tf.mul(kept, kept);
        const b = tf.mul(a, a);
        tf.dispose([a, b]);
      });
      kept.dispose();
    });
    expect(inner).toBe(8000);
    // The caller's profile still holds its own first kernel and sees the whole peak.
    expect(outer.kernels.map((kernel) => kernel.name)).toEqual(['Add', 'Multiply', 'Multiply']);
    expect(outer.peakBytes - before).toBe(12000);
    expect(tf.engine().state.profiling).toBe(false);
    x.dispose();
  });

  it("gives up (undefined) when a caller's profile ends before the work does", async () => {
    const x = tf.zeros([1000]);
    await expectNoLeak(async () => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const outer = tf.profile(() => gate);
      const peak = await measurePeakBytes(async () => {
        const a = tf.add(x, x);
        release();
        await outer;
        const b = tf.mul(a, a);
        tf.dispose([a, b]);
      });
      expect(peak).toBeUndefined();
      expect(tf.engine().state.profiling).toBe(false);
    });
    x.dispose();
  });

  it('rethrows what the work throws and leaves the engine out of profiling mode', async () => {
    const failure = new Error('model failed');
    const error = await measurePeakBytes(() => {
      throw failure;
    }).catch((caught: unknown) => caught);
    expect(error).toBe(failure);
    expect(tf.engine().state.profiling).toBe(false);
  });
});

/**
 * conv 3×3 (3→32) → relu → conv 3×3 (32→32) → relu → mean → dense 5 on 8 × 8 images, freeing every
 * intermediate as soon as it is used, as `fromLayersModel` and `fromGraphModel` do: a forward pass
 * inside `tidy` then grows memory by its logits only, which the old sizing took for the cost of an
 * image. The backward pass still keeps conv1's output, relu1's output and conv2's output alive,
 * `3 · 8 · 8 · 32 · 4 = 24576` bytes per image at least.
 */
function freeingModel(): { classifier: ImageClassifier; dispose(): void } {
  const w1 = tf.tensor4d(seededValues(3 * 3 * 3 * 32, 5, -0.5, 0.5), [3, 3, 3, 32]);
  const w2 = tf.tensor4d(seededValues(3 * 3 * 32 * 32, 6, -0.2, 0.2), [3, 3, 32, 32]);
  const w3 = tf.tensor2d(seededValues(32 * 5, 7, -1, 1), [32, 5]);
  const classifier = fromFunction(
    (x) => {
      const layers: ((input: tf.Tensor) => tf.Tensor)[] = [
        (input) => tf.conv2d(input as tf.Tensor4D, w1, 1, 'same'),
        (input) => tf.relu(input),
        (input) => tf.conv2d(input as tf.Tensor4D, w2, 1, 'same'),
        (input) => tf.relu(input),
        (input) => tf.mean(input, [1, 2]),
        (input) => tf.matMul(input as tf.Tensor2D, w3),
      ];
      let current: tf.Tensor = x;
      for (const layer of layers) {
        const next = layer(current);
        if (current !== x) current.dispose();
        current = next;
      }
      return current as tf.Tensor2D;
    },
    { inputShape: [8, 8, 3], numClasses: 5 },
  );
  return { classifier, dispose: () => tf.dispose([w1, w2, w3]) };
}

const SAVED_BYTES_PER_IMAGE = 3 * 8 * 8 * 32 * 4;

describeOnBackends('chunk sizes on a model that frees its intermediates', () => {
  let model: ReturnType<typeof freeingModel>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    model = freeingModel();
    images = tinyImages(1);
  });
  afterAll(() => {
    model.dispose();
    images.dispose();
  });

  it('a forward pass in tidy grows memory by its logits only (what the old sizing measured)', () => {
    const growth = tf.tidy(() => {
      const before = tf.memory().numBytes;
      model.classifier.logits(images);
      return tf.memory().numBytes - before;
    });
    expect(growth).toBe(5 * 4);
  });

  it('sizes Integrated Gradients chunks from the gradient peak and keeps each chunk in the budget', async () => {
    const memoryBudget = 0.5 * MIB;
    await expectNoLeak(async () => {
      const { steps, numSteps, peak, carried } = await profileChunks((onStep) =>
        integratedGradients(model.classifier, images, { numSteps: 13, target: 2, memoryBudget, onStep }),
      );
      const sizes = chunkSizes(steps);
      // The first chunk is the one-image trial; the rest are as large as the budget allows.
      expect(sizes[0]).toBe(1);
      const chosen = sizes[1] as number;
      expect(chosen).toBeGreaterThan(1);
      expect(chosen * SAVED_BYTES_PER_IMAGE).toBeLessThanOrEqual(memoryBudget);
      expect(sizes.slice(1, -1).every((size) => size === chosen)).toBe(true);
      expect(steps.at(-1)).toBe(13);
      expect(new Set(numSteps)).toEqual(new Set([13]));
      expect(peak - carried).toBeLessThanOrEqual(memoryBudget);
    });
  });

  it('reuses the measurement for the same model and backend (no one-image trial)', async () => {
    const memoryBudget = 0.5 * MIB;
    await expectNoLeak(async () => {
      const first = await profileChunks((onStep) =>
        integratedGradients(model.classifier, images, { numSteps: 13, target: 2, memoryBudget, onStep }),
      );
      const again = await profileChunks((onStep) =>
        smoothGrad(model.classifier, images, { samples: 13, target: 2, memoryBudget, onStep }),
      );
      const chosen = chunkSizes(first.steps)[1] as number;
      expect(chunkSizes(again.steps)[0]).toBe(chosen);
      expect(again.peak - again.carried).toBeLessThanOrEqual(memoryBudget);
    });
  });

  it('sizes occlusion chunks from one forward pass and keeps each chunk in the budget', async () => {
    const memoryBudget = 64 * 1024;
    await expectNoLeak(async () => {
      const { steps, peak, carried } = await profileChunks((onStep) =>
        occlusion(model.classifier, images, { window: 4, stride: 2, target: 2, memoryBudget, onStep }),
      );
      const sizes = chunkSizes(steps);
      expect(steps.at(-1)).toBe(9);
      expect(sizes[0]).toBe(1);
      expect(sizes[1]).toBeGreaterThan(1);
      expect(peak - carried).toBeLessThanOrEqual(memoryBudget);
    });
  });

  it('lets internalBatchSize win over the budget', async () => {
    await expectNoLeak(async () => {
      const { steps } = await profileChunks((onStep) =>
        integratedGradients(model.classifier, images, {
          numSteps: 10,
          target: 2,
          memoryBudget: 1,
          internalBatchSize: 4,
          onStep,
        }),
      );
      expect(steps).toEqual([4, 8, 10]);
    });
  });
});

// Each gradient of the full network takes seconds on wasm and much longer on the JS cpu backend
// and SwiftShader; the sizing itself is backend-independent and covered above on every backend.
const HEAVY = 'a real-sized MobileNetV2 gradient takes tens of seconds here; sizing is covered above';
const GPU =
  'the expectations are for the 512 MiB CPU budget; one gradient (≈ 350 MiB) exceeds the 256 MiB GPU budget';

describeOnBackends(
  'chunk sizes on a real-sized MobileNetV2 (224 × 224, freed intermediates)',
  () => {
    let mobileNet: ReturnType<typeof createMobileNetV2Shaped>;
    let images: tf.Tensor4D;
    beforeAll(() => {
      mobileNet = createMobileNetV2Shaped();
      images = tf.randomUniform([1, 224, 224, 3], 0, 1, 'float32', 3);
    });
    afterAll(() => {
      mobileNet.dispose();
      images.dispose();
    });

    it('the default budget holds one gradient at a time, and the chunk stays in it', async () => {
      expect(defaultMemoryBudget()).toBe(CPU_MEMORY_BUDGET);
      await expectNoLeak(async () => {
        const { steps, peak, carried } = await profileChunks((onStep) =>
          integratedGradients(mobileNet.classifier, images, { numSteps: 2, target: 1, onStep }),
        );
        // The one-image trial, then a chunk of the chosen size: 1, since two would not fit.
        expect(steps).toEqual([1, 2]);
        // One image's gradient peaks between 256 MiB and 512 MiB (≈ 350 MiB; 368 MiB on the real model).
        expect(peak - carried).toBeGreaterThan(256 * MIB);
        expect(peak - carried).toBeLessThanOrEqual(CPU_MEMORY_BUDGET);
      });
    });

    it('occlusion chunks hold several forward passes within the budget', async () => {
      const memoryBudget = 100 * MIB;
      await expectNoLeak(async () => {
        const { steps, peak, carried } = await profileChunks((onStep) =>
          occlusion(mobileNet.classifier, images, {
            window: 112,
            stride: 56,
            target: 1,
            memoryBudget,
            onStep,
          }),
        );
        const sizes = chunkSizes(steps);
        expect(steps.at(-1)).toBe(9);
        expect(sizes[0]).toBe(1);
        // One occluded image's forward pass peaks near 25 MiB: 3 or 4 fit in 100 MiB.
        expect(sizes[1]).toBeGreaterThanOrEqual(3);
        expect(sizes[1]).toBeLessThanOrEqual(4);
        expect(peak - carried).toBeLessThanOrEqual(memoryBudget);
      });
    });
  },
  { exclude: { cpu: HEAVY, 'node-webgpu': HEAVY, webgl: GPU, webgpu: GPU } },
);
