import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { loadSqueezeNet11Weights, squeezeNet11 } from '@netlens/models';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectAtFloat32Floor } from '../../models/src/__fixtures__/float32-floor';
import { torchSqueezeNetReference } from '../../models/src/__fixtures__/torch-squeezenet-reference';
import { createClassVisualization } from './create-class-visualization';
import { channel, classLogit } from './objectives';
import { l2 } from './regularizers';
import { jitter, pad, type Transform } from './transforms';
import { visualizeFeature } from './visualize-feature';

// CS231n's class visualization and a Lucid-style feature visualization on SqueezeNet 1.1, against
// the same runs written in PyTorch from their sources (scripts/torch-reference.py), seed-matched:
// the script runs netlens' generator, so the noise, spectrum and jitter offsets are the ones drawn
// here. Results are held to a multiple of how far PyTorch's own float32 run lands from float64.
// The script's size (scripts/torch-reference.py `SIZE`): three poolings still happen at 34².
const SIZE = 34;
const reference = torchSqueezeNetReference({
  referenceScript: new URL('../scripts/torch-reference.py', import.meta.url),
  size: SIZE,
  batch: 2,
});

interface RunRecord {
  objectives: number[][];
  imageFloor: number;
  objectiveFloor: number;
}
interface ClassVizReference {
  size: number;
  classOptions: {
    classes: number[];
    numIterations: number;
    learningRate: number;
    l2Reg: number;
    l2Center: number[];
    blurEvery: number;
    blurSigma: number;
    maxJitter: number;
    seed: number;
  };
  featureOptions: {
    channel: [string, number];
    classLogit: number;
    numSteps: number;
    decayPower: number;
    standardDeviation: number;
    pad: number;
    padValue: number;
    jitter: number;
    l2: number;
    l2Center: number;
    adam: { learningRate: number; beta1: number; beta2: number; epsilon: number };
    seed: number;
  };
  class: RunRecord;
  feature: RunRecord;
  featurePlain: RunRecord;
}
let expected: ClassVizReference;

beforeAll(() => {
  reference.prepare();
  if (!reference.available) return;
  expected = reference.json<ClassVizReference>('classviz.json');
  if (expected.size !== SIZE) throw new Error(`the reference ran at ${expected.size}², the test at ${SIZE}²`);
});
afterAll(() => reference.dispose());

/** Runs the reference's feature visualization with `transforms` and compares it with PyTorch's. */
async function expectFeatureRun(name: 'feature' | 'featurePlain', transforms: Transform[]): Promise<void> {
  const options = expected.featureOptions;
  const record = expected[name];
  const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
  await expectNoLeak(async () => {
    const { images, objectives } = await visualizeFeature(
      model,
      [channel(...options.channel), classLogit(options.classLogit)],
      {
        numSteps: options.numSteps,
        parameterization: 'fourier',
        decorrelate: true,
        decayPower: options.decayPower,
        standardDeviation: options.standardDeviation,
        transforms,
        regularizers: [l2(options.l2, { center: options.l2Center })],
        optimizer: { name: 'adam', ...options.adam },
        seed: options.seed,
        imageSize: [SIZE, SIZE],
      },
    );
    expect(images.shape).toEqual([2, SIZE, SIZE, 3]);
    await expectAtFloat32Floor(
      `${name} image`,
      images,
      reference.floats(`${name}-image-64.bin`),
      record.imageFloor,
    );
    await expectAtFloat32Floor(
      `${name} objectives`,
      objectives.flat(),
      record.objectives.flat(),
      record.objectiveFloor,
    );
    images.dispose();
  });
  model.dispose();
}

describeOnBackends('classviz on SqueezeNet 1.1 equals PyTorch', () => {
  it.skipIf(!reference.available)(
    "createClassVisualization: CS231n's jittered, L2-regularised, clamped and blurred steps (3 steps, blur at 0 and 2)",
    async () => {
      const { classes, ...options } = expected.classOptions;
      const model = squeezeNet11(loadSqueezeNet11Weights(reference.weights()));
      await expectNoLeak(async () => {
        const { image, objectives } = await createClassVisualization(model, classes, {
          ...options,
          imageSize: [SIZE, SIZE],
        });
        expect(image.shape).toEqual([2, SIZE, SIZE, 3]);
        await expectAtFloat32Floor(
          'class visualization image',
          image,
          reference.floats('class-image-64.bin'),
          expected.class.imageFloor,
        );
        await expectAtFloat32Floor(
          'class visualization objectives',
          objectives.flat(),
          expected.class.objectives.flat(),
          expected.class.objectiveFloor,
        );
        image.dispose();
      });
      model.dispose();
    },
  );
});

describeOnBackends(
  'visualizeFeature without transforms on SqueezeNet 1.1 equals PyTorch',
  () => {
    it.skipIf(!reference.available)(
      'visualizeFeature: Fourier + decorrelated colour, channel and logit objectives, L2, Adam (2 steps, no transforms)',
      () => expectFeatureRun('featurePlain', []),
    );
  },
  {
    exclude: {
      'node-webgpu':
        'SwiftShader takes ~20 s a run; the transforms suite below takes the same path plus two transforms there',
    },
  },
);

// The transforms resample through one gather, whose gradient is UnsortedSegmentSum: tfjs-backend-cpu
// runs that as one masked sum per segment (2,312 segments of 9,248 rows here): 38 s for two steps at 34².
describeOnBackends(
  'visualizeFeature with transforms on SqueezeNet 1.1 equals PyTorch',
  () => {
    it.skipIf(!reference.available)(
      'visualizeFeature: as above, with a constant pad and a jitter (seed-matched offsets)',
      () => {
        const options = expected.featureOptions;
        return expectFeatureRun('feature', [
          pad(options.pad, { mode: 'constant', value: options.padValue }),
          jitter(options.jitter),
        ]);
      },
    );
  },
  {
    exclude: {
      cpu: "tfjs-backend-cpu's UnsortedSegmentSum (the transforms' gather gradient) loops once per segment: 38 s for these 2 steps at 34², 2 s without transforms",
    },
  },
);
