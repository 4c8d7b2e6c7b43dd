import { fromFunction, InvalidArgumentError, seededValues } from '@netlens/backends';
import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { itKeepsTheStepContract } from './__fixtures__/step-contract';
import { occlusion } from './occlusion';

const [H, W, C, K] = [8, 8, 3, 4];

/** logits[n, k] = Σ_{i,j,c} weights[i, j, c, k] · x[n, i, j, c]. */
function linearModel() {
  const values = seededValues(H * W * C * K, 3, -1, 1);
  const weights = tf.tensor2d(values, [H * W * C, K]);
  const classifier = fromFunction(
    (x) => tf.matMul(tf.reshape(x, [x.shape[0], H * W * C]), weights) as tf.Tensor2D,
    { inputShape: [H, W, C], numClasses: K },
  );
  return { classifier, values, dispose: () => weights.dispose() };
}

/** Start offsets as documented: every stride step that fits, plus one flush with the far edge. */
function starts(length: number, size: number, stride: number): number[] {
  const list: number[] = [];
  for (let start = 0; start + size <= length; start += stride) list.push(start);
  if ((list.at(-1) as number) + size < length) list.push(length - size);
  return list;
}

describeOnBackends('occlusion', () => {
  it('equals W⊙x summed over channels on a linear model with a 1×1 window', async () => {
    const linear = linearModel();
    const images = tinyImages(2);
    const pixels = await images.data();
    await expectNoLeak(async () => {
      const targets = [1, 3];
      const map = await occlusion(linear.classifier, images, {
        window: 1,
        stride: 1,
        baseline: 0,
        target: targets,
      });
      const expected: number[] = [];
      for (let n = 0; n < 2; n++) {
        for (let p = 0; p < H * W; p++) {
          let sum = 0;
          for (let c = 0; c < C; c++) {
            sum +=
              (linear.values[(p * C + c) * K + (targets[n] as number)] as number) *
              (pixels[(n * H * W + p) * C + c] as number);
          }
          expected.push(sum);
        }
      }
      expect(map.shape).toEqual([2, H, W, 1]);
      await expectTensorsClose(map, expected);
      // The default window on an 8×8 input is 1×1 with stride 1.
      const defaults = await occlusion(linear.classifier, images, { target: targets });
      await expectTensorsClose(defaults, map);
      tf.dispose([map, defaults]);
    });
    images.dispose();
    linear.dispose();
  });

  it('averages the score drops of the windows covering each pixel (brute force)', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(2, 9);
    const pixels = await images.data();
    const targets = [1, 3];
    const window = [3, 2] as const;
    const stride = [2, 3] as const;
    const baseline = 0.5;
    const score = async (values: Float32Array, n: number) => {
      const logits = tf.tidy(() => tiny.classifier.logits(tf.tensor4d(values, [1, H, W, C])));
      const value = (await logits.data())[targets[n] as number] as number;
      logits.dispose();
      return value;
    };
    const expected: number[] = [];
    for (let n = 0; n < 2; n++) {
      const original = Float32Array.from(pixels.subarray(n * H * W * C, (n + 1) * H * W * C));
      const base = await score(original, n);
      const totals = new Float64Array(H * W);
      const counts = new Float64Array(H * W);
      for (const top of starts(H, window[0], stride[0])) {
        for (const left of starts(W, window[1], stride[1])) {
          const occluded = Float32Array.from(original);
          for (let i = top; i < top + window[0]; i++) {
            for (let j = left; j < left + window[1]; j++) {
              for (let c = 0; c < C; c++) occluded[(i * W + j) * C + c] = baseline;
            }
          }
          const drop = base - (await score(occluded, n));
          for (let i = top; i < top + window[0]; i++) {
            for (let j = left; j < left + window[1]; j++) {
              totals[i * W + j] = (totals[i * W + j] as number) + drop;
              counts[i * W + j] = (counts[i * W + j] as number) + 1;
            }
          }
        }
      }
      for (let p = 0; p < H * W; p++) expected.push((totals[p] as number) / (counts[p] as number));
    }
    await expectNoLeak(async () => {
      const maps = [];
      for (const internalBatchSize of [1, 7, 1000]) {
        maps.push(
          await occlusion(tiny.classifier, images, {
            window: [...window],
            stride: [...stride],
            baseline,
            target: targets,
            internalBatchSize,
          }),
        );
      }
      for (const map of maps) await expectTensorsClose(map, expected);
      tf.dispose(maps);
    });
    images.dispose();
    tiny.dispose();
  });

  it('rejects bad options with typed errors and no leaks', async () => {
    const tiny = createTinyConvNet();
    const images = tinyImages(1);
    await expectNoLeak(async () => {
      const cases: [Parameters<typeof occlusion>[2], string][] = [
        [{ window: 0 }, 'options.window'],
        [{ window: 9 }, 'options.window'],
        [{ window: [2, 0] }, 'options.window'],
        [{ window: 1.5 }, 'options.window'],
        [{ stride: 0 }, 'options.stride'],
        [{ stride: -2 }, 'options.stride'],
        [{ baseline: 2 }, 'options.baseline'],
        [{ internalBatchSize: 0 }, 'options.internalBatchSize'],
        [{ memoryBudget: Number.NaN }, 'options.memoryBudget'],
        [{ onStep: {} as never }, 'options.onStep'],
        [{ signal: 'stop' as never }, 'options.signal'],
        [{ target: 5 }, 'options.target'],
        [{ target: [0, 1] }, 'options.target'],
      ];
      for (const [options, argument] of cases) {
        const error = await occlusion(tiny.classifier, images, options).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(InvalidArgumentError);
        expect(error).toMatchObject({ argument });
      }
    });
    images.dispose();
    tiny.dispose();
  });
});

describeOnBackends('occlusion progress and abort', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(2);
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });

  // A 4×4 window with stride 2 on 8×8 has 3×3 positions: 18 occluded images for 2 images, 4 per chunk.
  itKeepsTheStepContract(
    'occlusion',
    (options) => occlusion(tiny.classifier, images, { ...options, window: 4, stride: 2 }),
    18,
    4,
  );
});
