import { fromFunction, InvalidArgumentError, NetlensError } from '@netlens/backends';
import { createTinyConvNet, describeOnBackends, expectNoLeak, tinyImages } from '@netlens/backends/testing';
import { mnistClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createClassVisualization } from './create-class-visualization';

describeOnBackends('createClassVisualization', ({ backend }) => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  beforeAll(() => {
    tiny = createTinyConvNet();
  });
  afterAll(() => tiny.dispose());

  // The step itself (jitter, normalised ascent on s_y − l2Reg·‖x − c‖², clamp, blur, objectives) is
  // checked against CS231n's loop written in PyTorch, seed-matched, in squeezenet-parity.test.ts.

  it('leaves an image whose gradient is zero where it is (no NaN from the normalised step)', async () => {
    await expectNoLeak(async () => {
      // Image 0 gets the class score's gradient; image 1 sits where every logit is flat (a dead region).
      const flat = fromFunction(
        (x) => {
          const live = tf.mul(tf.sum(x, [1, 2, 3]), tf.slice(tf.tensor1d([1, 0]), 0, x.shape[0]));
          return tf.stack([live, tf.zerosLike(live)], 1) as tf.Tensor2D;
        },
        { inputShape: [4, 4, 1], numClasses: 2 },
      );
      const start = tf.tidy(() => tf.fill([2, 4, 4, 1], 0.5)) as tf.Tensor4D;
      const { image } = await createClassVisualization(flat, [0, 0], {
        numIterations: 1,
        learningRate: 0.4,
        l2Reg: 0,
        maxJitter: 0,
        blurEvery: 1000,
        initialImage: start,
      });
      // Image 0 moves 0.4 along the all-ones direction: 0.4 / sqrt(16) = 0.1 per pixel.
      const values = Array.from(await image.data());
      expect(values.slice(0, 16).every((v) => Math.abs(v - 0.6) < 1e-6)).toBe(true);
      expect(values.slice(16)).toEqual(new Array(16).fill(0.5));
      tf.dispose([start, image]);
    });
  });

  it('keeps every pixel in [0, 1] at every step, even with steps large enough to need the clamp', async () => {
    await expectNoLeak(async () => {
      const extremes: [number, number][] = [];
      const { image } = await createClassVisualization(tiny.classifier, 2, {
        numIterations: 12,
        learningRate: 4,
        snapshotEvery: 1,
        onStep: async ({ image: snapshot }) => {
          const range = tf.tidy(() =>
            tf.stack([tf.min(snapshot as tf.Tensor), tf.max(snapshot as tf.Tensor)]),
          );
          const [low, high] = await range.data();
          range.dispose();
          extremes.push([low as number, high as number]);
        },
      });
      expect(extremes).toHaveLength(12);
      for (const [low, high] of extremes) {
        expect(low).toBeGreaterThanOrEqual(0);
        expect(high).toBeLessThanOrEqual(1);
      }
      // The clamp was active: some pixels sit exactly on the bounds.
      const data = await image.data();
      expect(data.some((v) => v === 0 || v === 1)).toBe(true);
      image.dispose();
    });
  });

  it('repeats per seed and differs across seeds', async () => {
    await expectNoLeak(async () => {
      const run = (seed: number) => createClassVisualization(tiny.classifier, 0, { numIterations: 5, seed });
      const [a, b, c] = [await run(3), await run(3), await run(4)];
      expect(Array.from(await a.image.data())).toEqual(Array.from(await b.image.data()));
      expect(Array.from(await a.image.data())).not.toEqual(Array.from(await c.image.data()));
      expect(a.objectives).toEqual(b.objectives);
      tf.dispose([a.image, b.image, c.image]);
    });
  });

  it('yields to the event loop between steps', async () => {
    await expectNoLeak(async () => {
      let fired = false;
      const seenAt: boolean[] = [];
      setTimeout(() => {
        fired = true;
      }, 0);
      const { image } = await createClassVisualization(tiny.classifier, 1, {
        numIterations: 4,
        onStep: () => {
          seenAt.push(fired);
        },
      });
      // A timer queued before the run fires while it is still running.
      expect(seenAt.slice(1).some(Boolean)).toBe(true);
      image.dispose();
    });
  });

  it('stops on an AbortSignal with an ABORTED NetlensError, leaving no tensors', async () => {
    await expectNoLeak(async () => {
      const controller = new AbortController();
      const steps: number[] = [];
      const run = createClassVisualization(tiny.classifier, 1, {
        numIterations: 50,
        signal: controller.signal,
        onStep: ({ step }) => {
          steps.push(step);
          if (step === 3) controller.abort();
        },
      });
      await expect(run).rejects.toThrow(NetlensError);
      await expect(run).rejects.toMatchObject({ code: 'ABORTED' });
      expect(steps).toEqual([1, 2, 3]);
    });
  });

  // SwiftShader's software Vulkan takes ~0.2 s a step here, so node-webgpu runs a shorter loop.
  const longRun = backend === 'node-webgpu' ? 30 : 500;
  it(`runs ${longRun} steps with a flat tensor count`, async () => {
    await expectNoLeak(async () => {
      const counts: number[] = [];
      const { image, objectives } = await createClassVisualization(tiny.classifier, 3, {
        numIterations: longRun,
        onStep: ({ step }) => {
          if (step % 10 === 0) counts.push(tf.memory().numTensors);
        },
      });
      expect(objectives).toHaveLength(longRun);
      // Every tenth step carries a snapshot, so the samples are alike.
      expect(counts).toHaveLength(longRun / 10);
      expect(new Set(counts).size).toBe(1);
      image.dispose();
    });
  });

  it('throws InvalidArgumentError for bad classes and non-positive steps, before making tensors', async () => {
    await expectNoLeak(async () => {
      const model = tiny.classifier;
      const wrongBatch = tinyImages(2);
      const cases: [Promise<unknown>, string][] = [
        [createClassVisualization(model, 5), 'targetClass'],
        [createClassVisualization(model, -1), 'targetClass'],
        [createClassVisualization(model, 1.5), 'targetClass'],
        [createClassVisualization(model, []), 'targetClass'],
        [createClassVisualization(model, 0, { numIterations: 0 }), 'options.numIterations'],
        [createClassVisualization(model, 0, { learningRate: 0 }), 'options.learningRate'],
        [createClassVisualization(model, 0, { blurEvery: -2 }), 'options.blurEvery'],
        [createClassVisualization(model, 0, { maxJitter: 1.5 }), 'options.maxJitter'],
        [createClassVisualization(model, 0, { l2Center: [0, 1] }), 'options.l2Center'],
        [createClassVisualization(model, 0, { initialImage: wrongBatch }), 'options.initialImage'],
      ];
      for (const [run, argument] of cases) {
        await expect(run).rejects.toThrow(InvalidArgumentError);
        await expect(run).rejects.toMatchObject({ argument });
      }
      wrongBatch.dispose();
    });
  });
});

describeOnBackends(
  'createClassVisualization on the trained MNIST classifier',
  () => {
    it('with the defaults, each digit k is classified as k with probability ≥ 0.9 and objectives rise', async () => {
      const model = mnistClassifier();
      await expectNoLeak(async () => {
        const digits = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        const { image, objectives } = await createClassVisualization(model, digits, { seed: 0 });
        const probabilities = tf.tidy(() => tf.softmax(model.logits(image)));
        const rows = (await probabilities.array()) as number[][];
        for (const digit of digits) expect(rows[digit]?.[digit]).toBeGreaterThanOrEqual(0.9);
        // Averaged over the ten digits, each block of ten steps ends higher than the one before.
        const mean = objectives.map((values) => values.reduce((a, b) => a + b, 0) / values.length);
        const blocks = Array.from(
          { length: 10 },
          (_, b) => mean.slice(b * 10, b * 10 + 10).reduce((a, v) => a + v, 0) / 10,
        );
        for (let b = 1; b < blocks.length; b++) expect(blocks[b]).toBeGreaterThan(blocks[b - 1] as number);
        tf.dispose([image, probabilities]);
      });
      model.dispose();
    });
  },
  {
    exclude: {
      'node-webgpu':
        'SwiftShader (software Vulkan) needs over 2 minutes for 100 steps of a 10-digit batch; the tiny-model suite covers this backend',
    },
  },
);
