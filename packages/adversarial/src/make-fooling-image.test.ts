import type { NetlensError } from '@netlens/backends';
import { describeOnBackends, expectNoLeak, expectTensorsClose } from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectInvalidArgument } from './__fixtures__/expectations';
import {
  createLinearModel,
  LINEAR_SHAPE,
  linearLogits,
  linearValues,
  weightColumn,
} from './__fixtures__/linear-model';
import { heldOutDigits } from './__fixtures__/mnist-digits';
import { makeFoolingImage } from './make-fooling-image';

describeOnBackends('makeFoolingImage', () => {
  let linear: ReturnType<typeof createLinearModel>;
  let images: tf.Tensor4D;
  const values = linearValues(1);
  beforeAll(() => {
    linear = createLinearModel();
    images = tf.tensor4d(values, [1, ...LINEAR_SHAPE]);
  });
  afterAll(() => {
    linear.dispose();
    images.dispose();
  });

  it('steps along the L2-normalised gradient of the target score: x + lr·W_t/‖W_t‖ on a linear model', async () => {
    const z = linearLogits(values);
    const target = z.indexOf(Math.min(...z));
    await expectNoLeak(async () => {
      const steps: { step: number; fooled: number; predictions: readonly number[] }[] = [];
      const {
        images: fooled,
        iterations,
        success,
        targets,
      } = await makeFoolingImage(linear.classifier, images, {
        target,
        learningRate: 0.02,
        maxIterations: 1,
        onStep: ({ step, fooled: count, predictions }) =>
          void steps.push({ step, fooled: count, predictions }),
      });
      const w = weightColumn(target);
      const norm = Math.hypot(...w);
      await expectTensorsClose(
        fooled,
        values.map((x, p) => Math.min(1, Math.max(0, x + (0.02 * (w[p] as number)) / norm))),
      );
      expect(iterations).toEqual([1]);
      expect(success).toEqual([false]);
      expect(targets).toEqual([target]);
      expect(steps).toEqual([{ step: 1, fooled: 0, predictions: [z.indexOf(Math.max(...z))] }]);
      fooled.dispose();
    });
  });

  it('takes 0 iterations for an image already of the target class; aborts with ABORTED', async () => {
    const z = linearLogits(values);
    await expectNoLeak(async () => {
      const result = await makeFoolingImage(linear.classifier, images, { target: z.indexOf(Math.max(...z)) });
      expect(result.iterations).toEqual([0]);
      expect(result.success).toEqual([true]);
      await expectTensorsClose(result.images, images, { rtol: 0, atol: 0 });
      result.images.dispose();
      const controller = new AbortController();
      controller.abort();
      const error = await makeFoolingImage(linear.classifier, images, {
        target: 'leastLikely',
        signal: controller.signal,
      }).catch((reason: unknown) => reason);
      expect((error as NetlensError).code).toBe('ABORTED');
      await expectInvalidArgument(
        makeFoolingImage(linear.classifier, images, { target: 'untargeted' as 'leastLikely' }),
        'options.target',
      );
      await expectInvalidArgument(
        makeFoolingImage(linear.classifier, images, { target: 1, learningRate: 0 }),
        'options.learningRate',
      );
      await expectInvalidArgument(
        makeFoolingImage(linear.classifier, images, { target: [0, 1] }),
        'options.target',
      );
    });
  });
});

// 90 (digit, target) pairs for up to 100 iterations: about 0.5 s on wasm, 7 s on the cpu backend and
// longer on node-webgpu (SwiftShader) on this 2-core machine. The small tests above run everywhere.
const HEAVY = '90 fooling images take 15× longer than on wasm on this 2-core CI machine';
describeOnBackends(
  'makeFoolingImage on the trained MNIST classifier',
  () => {
    it('reaches the target for ≥ 99% of 90 (digit, target) pairs within 100 iterations', async () => {
      const model = mnistClassifier();
      const { pixels } = heldOutDigits(1);
      const labels: number[] = [];
      const targets: number[] = [];
      const rows: number[] = [];
      for (let digit = 0; digit < 10; digit++) {
        for (let target = 0; target < 10; target++) {
          if (target === digit) continue;
          labels.push(digit);
          targets.push(target);
          rows.push(digit);
        }
      }
      const digits = tf.tensor4d(pixels, [10, 28, 28, 1]);
      const batch = tf.gather(digits, rows) as tf.Tensor4D;
      await expectNoLeak(async () => {
        const {
          images: fooled,
          iterations,
          success,
        } = await makeFoolingImage(model, batch, { target: targets });
        const logits = model.logits(fooled);
        const predicted = tf.argMax(logits, 1);
        const classes = Array.from(await predicted.data());
        const sorted = [...iterations].sort((a, b) => a - b);
        const median = ((sorted[44] as number) + (sorted[45] as number)) / 2;
        console.log(
          `fooling images: ${success.filter(Boolean).length}/90 reach the target; iterations median ${median}, max ${sorted.at(-1)}`,
        );
        expect(success.filter(Boolean).length / 90).toBeGreaterThanOrEqual(0.99);
        // Success is the model's own verdict on the returned images.
        expect(classes.map((c, i) => c === targets[i])).toEqual(success);
        expect(Math.max(...iterations.filter((_, i) => success[i]))).toBeLessThanOrEqual(100);
        expect(labels.every((label, i) => label !== targets[i])).toBe(true);
        tf.dispose([fooled, logits, predicted]);
      });
      tf.dispose([digits, batch]);
      model.dispose();
    });
  },
  { exclude: { cpu: HEAVY, 'node-webgpu': HEAVY } },
);
