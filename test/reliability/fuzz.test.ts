// Bad input of every kind to every public algorithm, on each backend: wrong ranks, channels, sizes
// and dtypes, NaN and out-of-range pixels, empty batches, disposed and non-tensor images,
// out-of-range targets, bad option types and values, absurd step counts, aborted signals, models
// that throw inside a gradient and models whose logits are NaN. Every probe must reject with a
// typed NetlensError and leave no tensor behind; each backend prints one line,
// `fuzz [wasm]: N probes, N typed errors, 0 leaks`.
import {
  bim,
  carliniWagnerL2,
  deepFool,
  differencePicture,
  evaluateAttack,
  fgsm,
  makeFoolingImage,
  mifgsm,
  pgd,
} from '@netlens/adversarial';
import { type ImageClassifier, NetlensError } from '@netlens/backends';
import {
  createFailingModel,
  createTinyConvNet,
  describeOnBackends,
  tinyImages,
} from '@netlens/backends/testing';
import {
  channel,
  channelAtlas,
  classLogit,
  createClassVisualization,
  visualizeFeature,
} from '@netlens/classviz';
import {
  deconvnet,
  deconvnetFeatureView,
  deletionInsertion,
  gradCam,
  gradientTimesInput,
  guidedBackprop,
  guidedGradCam,
  infidelity,
  integratedGradients,
  occlusion,
  runSaliencyMethod,
  sanityCheck,
  sensitivityMax,
  smoothGrad,
  vanillaGradient,
} from '@netlens/saliency';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';

type Options = Record<string, unknown>;
type Run = (model: ImageClassifier, images: unknown, options: Options) => Promise<unknown>;

interface Subject {
  /** Runs the function with cheap settings merged under `options`. */
  run: Run;
  /** Whether `images` is an argument of the function (image probes apply). */
  images: boolean;
  /** Option sets that are each invalid. */
  badOptions: Options[];
  /** Whether a model with NaN logits must be refused. Default true. */
  refusesNaN?: boolean;
  /** Whether the function takes a model (model probes apply). Default true. */
  model?: boolean;
}

const BATCH = 2;
const targetProbes: Options[] = [
  { target: 99 },
  { target: -1 },
  { target: 0.5 },
  { target: [0, 1, 2] },
  { target: 'best' },
  { target: null },
];
const attackTargetProbes: Options[] = [
  { target: 99 },
  { target: 'sideways' },
  { target: [1] },
  { labels: [0] },
  { labels: [0, 99] },
  { labels: 'all' },
  { seed: 1.5 },
  { allowNonFinite: 'yes' },
];
const aborted = () => ({ signal: AbortSignal.abort() });
const stepProbes = (name: string): Options[] => [
  { [name]: 1e9 },
  { [name]: -1 },
  { [name]: 2.5 },
  { [name]: 'ten' },
];

const oneMap = () => tf.ones([BATCH, 8, 8, 1]);

const SUBJECTS: Record<string, Subject> = {
  vanillaGradient: {
    run: (m, x, o) => vanillaGradient(m, x as tf.Tensor4D, o),
    images: true,
    badOptions: [...targetProbes, { abs: 'yes' }, { channelReduction: 'median' }],
  },
  gradientTimesInput: {
    run: (m, x, o) => gradientTimesInput(m, x as tf.Tensor4D, o),
    images: true,
    badOptions: [...targetProbes, { channelReduction: 'median' }],
  },
  smoothGrad: {
    run: (m, x, o) => smoothGrad(m, x as tf.Tensor4D, { samples: 2, ...o }),
    images: true,
    badOptions: [...targetProbes, { samples: 0 }, { samples: 'ten' }, { noiseLevel: -1 }],
  },
  integratedGradients: {
    run: (m, x, o) => integratedGradients(m, x as tf.Tensor4D, { numSteps: 3, ...o }),
    images: true,
    badOptions: [...targetProbes, { numSteps: 0 }, { numSteps: 'ten' }, { method: 'simpson-ish' }],
  },
  gradCam: {
    run: (m, x, o) => gradCam(m, x as tf.Tensor4D, o),
    images: true,
    badOptions: [...targetProbes, { layer: 'nope' }, { variant: 'gradcam+++' }],
  },
  guidedGradCam: {
    run: (m, x, o) => guidedGradCam(m, x as tf.Tensor4D, o),
    images: true,
    badOptions: [...targetProbes, { layer: 'nope' }],
  },
  guidedBackprop: {
    run: (m, x, o) => guidedBackprop(m, x as tf.Tensor4D, o),
    images: true,
    badOptions: targetProbes,
  },
  deconvnet: {
    run: (m, x, o) => deconvnet(m, x as tf.Tensor4D, o),
    images: true,
    badOptions: targetProbes,
  },
  deconvnetFeatureView: {
    run: (m, x, o) => deconvnetFeatureView(m, x as tf.Tensor4D, { layer: 'conv2', ...o }),
    images: true,
    badOptions: [{ layer: 'nope' }, { channel: -1 }, { channel: 99 }, { topK: 0 }],
    // It explains layer units, never the logits.
    refusesNaN: false,
  },
  occlusion: {
    run: (m, x, o) => occlusion(m, x as tf.Tensor4D, { window: 4, stride: 4, ...o }),
    images: true,
    badOptions: [...targetProbes, { window: 0 }, { stride: -1 }, { window: 99 }],
  },
  deletionInsertion: {
    run: async (m, x, o) => {
      const map = oneMap();
      try {
        return await deletionInsertion(m, x as tf.Tensor4D, (o.attributions ?? map) as tf.Tensor4D, {
          steps: 2,
          ...o,
        });
      } finally {
        map.dispose();
      }
    },
    images: true,
    badOptions: [...targetProbes, { steps: 0 }, { mode: 'both-ish' }, { attributions: 'map' }],
  },
  infidelity: {
    run: async (m, x, o) => {
      const map = oneMap();
      try {
        return await infidelity(m, x as tf.Tensor4D, map as tf.Tensor4D, { samples: 2, ...o });
      } finally {
        map.dispose();
      }
    },
    images: true,
    badOptions: [...targetProbes, { samples: 0 }, { std: -1 }],
  },
  sensitivityMax: {
    run: (m, x, o) => sensitivityMax(vanillaGradient, m, x as tf.Tensor4D, { samples: 2, ...o }),
    images: true,
    badOptions: [...targetProbes, { samples: 0 }, { radius: -1 }],
  },
  sanityCheck: {
    run: (m, x, o) => sanityCheck(vanillaGradient, [m, m], x as tf.Tensor4D, o),
    images: true,
    badOptions: [...targetProbes, { abs: 'yes' }],
  },
  runSaliencyMethod: {
    run: (m, x, o) => runSaliencyMethod((o.name ?? 'vanilla') as 'vanilla', m, x as tf.Tensor4D, o),
    images: true,
    badOptions: [{ name: 'nope' }, { target: 99 }],
  },
  fgsm: {
    run: (m, x, o) => fgsm(m, x as tf.Tensor4D, o),
    images: true,
    badOptions: [...attackTargetProbes, { epsilon: -1 }, { epsilon: Number.NaN }, { epsilon: 'big' }],
  },
  bim: {
    run: (m, x, o) => bim(m, x as tf.Tensor4D, { numSteps: 2, ...o }),
    images: true,
    badOptions: [
      ...attackTargetProbes,
      ...stepProbes('numSteps'),
      { stepSize: -1 },
      { signal: 'stop' },
      aborted(),
    ],
  },
  mifgsm: {
    run: (m, x, o) => mifgsm(m, x as tf.Tensor4D, { numSteps: 2, ...o }),
    images: true,
    badOptions: [...attackTargetProbes, ...stepProbes('numSteps'), { decay: -1 }, aborted()],
  },
  pgd: {
    run: (m, x, o) => pgd(m, x as tf.Tensor4D, { numSteps: 2, ...o }),
    images: true,
    badOptions: [
      ...attackTargetProbes,
      ...stepProbes('numSteps'),
      { norm: 'l1' },
      { epsilon: -1 },
      aborted(),
    ],
  },
  carliniWagnerL2: {
    run: (m, x, o) => carliniWagnerL2(m, x as tf.Tensor4D, { binarySearchSteps: 1, numSteps: 2, ...o }),
    images: true,
    badOptions: [
      ...attackTargetProbes,
      ...stepProbes('numSteps'),
      ...stepProbes('binarySearchSteps'),
      { confidence: -1 },
      aborted(),
    ],
  },
  deepFool: {
    run: (m, x, o) => deepFool(m, x as tf.Tensor4D, { maxIterations: 2, ...o }),
    images: true,
    badOptions: [
      ...stepProbes('maxIterations'),
      { numCandidates: 0 },
      { numCandidates: 'all' },
      { overshoot: -1 },
      { labels: [7, 0] },
      aborted(),
    ],
  },
  makeFoolingImage: {
    run: (m, x, o) => makeFoolingImage(m, x as tf.Tensor4D, { target: 3, maxIterations: 2, ...o }),
    images: true,
    badOptions: [
      { target: undefined },
      { target: 'untargeted' },
      { target: 99 },
      ...stepProbes('maxIterations'),
      { learningRate: 0 },
      aborted(),
    ],
  },
  evaluateAttack: {
    run: (m, x, o) =>
      evaluateAttack(
        m,
        (o.attack ?? fgsm) as typeof fgsm,
        x as tf.Tensor4D,
        (o.labels ?? [0, 1]) as number[],
        {
          epsilons: [0.1],
          ...o,
        } as Parameters<typeof evaluateAttack>[4],
      ),
    images: true,
    badOptions: [
      { epsilons: [] },
      { epsilons: [-1] },
      { norm: 'l3' },
      { labels: [0] },
      { attack: 'fgsm' },
      // An attack whose output has the wrong batch size.
      { attack: async (_m: unknown, x: tf.Tensor4D) => tf.slice(x, 0, 1) },
      aborted(),
    ],
  },
  differencePicture: {
    run: async (_m, x, o) => {
      const other = tf.zeros([BATCH, 8, 8, 3]);
      try {
        return await differencePicture(x as tf.Tensor4D, other as tf.Tensor4D, o);
      } finally {
        other.dispose();
      }
    },
    images: true,
    badOptions: [{ magnification: -1 }, { magnification: 'big' }],
    model: false,
  },
  createClassVisualization: {
    run: (m, x, o) =>
      createClassVisualization(m, (o.targetClass ?? [1, 2]) as number[], {
        numIterations: 2,
        ...(x === undefined ? {} : { initialImage: x as tf.Tensor4D }),
        ...o,
      }),
    images: true,
    badOptions: [
      { targetClass: 99 },
      { targetClass: 'cat' },
      ...stepProbes('numIterations'),
      { learningRate: 0 },
      { blurEvery: 0 },
      { signal: 'stop' },
      { allowNonFinite: 1 },
      aborted(),
    ],
  },
  visualizeFeature: {
    run: (m, _x, o) =>
      visualizeFeature(m, (o.objective ?? classLogit(1)) as ReturnType<typeof classLogit>, {
        numSteps: 2,
        ...o,
      }),
    images: false,
    badOptions: [
      { objective: 'logit 1' },
      { objective: channel('nope', 1) },
      ...stepProbes('numSteps'),
      { batchSize: 0 },
      aborted(),
    ],
  },
  channelAtlas: {
    run: (m, _x, o) => channelAtlas(m, (o.layer ?? 'conv2') as string, { count: 2, numSteps: 2, ...o }),
    images: false,
    badOptions: [{ layer: 'nope' }, { count: 0 }, { count: 99 }, ...stepProbes('numSteps')],
    // Channel objectives read layer outputs, never the logits.
    refusesNaN: false,
  },
};

/** Bad image arguments, each made fresh (and disposed) around one probe. */
const BAD_IMAGES: Record<string, () => unknown> = {
  'rank 3': () => tf.zeros([8, 8, 3]),
  '1 channel': () => tf.zeros([BATCH, 8, 8, 1]),
  '9×8 pixels': () => tf.zeros([BATCH, 9, 8, 3]),
  int32: () => tf.zeros([BATCH, 8, 8, 3], 'int32'),
  NaN: () => tf.fill([BATCH, 8, 8, 3], Number.NaN),
  'value 2': () => tf.fill([BATCH, 8, 8, 3], 2),
  'value −0.5': () => tf.fill([BATCH, 8, 8, 3], -0.5),
  'empty batch': () => tf.zeros([0, 8, 8, 3]),
  disposed: () => {
    const images = tinyImages(BATCH);
    images.dispose();
    return images;
  },
  null: () => null,
  'an array': () => [[[[0.5]]]],
  'a string': () => 'cat.png',
};

interface Tally {
  probes: number;
  typed: number;
  leaks: number;
  failures: string[];
}

function disposeAll(value: unknown): void {
  if (value instanceof tf.Tensor) value.dispose();
  else if (Array.isArray(value)) value.forEach(disposeAll);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach(disposeAll);
}

/** Runs one probe; `applies` may say it did not apply after all (a failing model never reached). */
async function probe(
  tally: Tally,
  label: string,
  body: () => Promise<unknown>,
  applies: () => boolean = () => true,
): Promise<void> {
  const before = tf.memory().numTensors;
  const dataBefore = tf.engine().backend.numDataIds();
  let error: unknown;
  let result: unknown;
  try {
    result = await body();
  } catch (caught) {
    error = caught;
  }
  if (error === undefined && !applies()) {
    disposeAll(result);
    return;
  }
  tally.probes++;
  if (error instanceof NetlensError) tally.typed++;
  else {
    disposeAll(result);
    tally.failures.push(`${label}: ${error === undefined ? 'resolved' : String(error).slice(0, 160)}`);
  }
  const leaked = tf.memory().numTensors - before;
  // wasm keeps filter copies as long as their filters live; tensors are the contract.
  if (leaked !== 0) {
    tally.leaks++;
    tally.failures.push(
      `${label}: ${leaked} tensors leaked (data ids ${dataBefore} → ${tf.engine().backend.numDataIds()})`,
    );
  }
}

describeOnBackends(
  'reliability fuzz: every public algorithm on bad input',
  ({ backend }) => {
    it('every probe rejects with a typed NetlensError and leaves no tensors', async () => {
      const tally: Tally = { probes: 0, typed: 0, leaks: 0, failures: [] };
      const tiny = createTinyConvNet();
      const images = tinyImages(BATCH);
      for (const [name, subject] of Object.entries(SUBJECTS)) {
        if (subject.images) {
          for (const [label, make] of Object.entries(BAD_IMAGES)) {
            const bad = make();
            await probe(tally, `${name} images=${label}`, () => subject.run(tiny.classifier, bad, {}));
            disposeAll(bad);
          }
        }
        for (const options of subject.badOptions) {
          const label = `${name} ${JSON.stringify(options, (_key, value) => (typeof value === 'function' ? 'fn' : value))}`;
          await probe(tally, label, () => subject.run(tiny.classifier, images, options));
        }
        if (subject.model === false) continue;
        await probe(tally, `${name} model=null`, () =>
          subject.run(null as unknown as ImageClassifier, images, {}),
        );
        for (const failAt of [1, 2, 3]) {
          const failing = createFailingModel(failAt);
          await probe(
            tally,
            `${name} model throws on pass ${failAt}`,
            () => subject.run(failing.classifier, images, {}),
            () => failing.calls >= failAt,
          );
          failing.dispose();
        }
        if (subject.refusesNaN !== false) {
          const nan = createFailingModel(1, 'nan');
          await probe(tally, `${name} model with NaN logits`, () => subject.run(nan.classifier, images, {}));
          nan.dispose();
        }
      }
      images.dispose();
      tiny.dispose();
      console.log(
        `fuzz [${backend}]: ${tally.probes} probes, ${tally.typed} typed errors, ${tally.leaks} leaks`,
      );
      expect(tally.failures).toEqual([]);
      expect(tally.typed).toBe(tally.probes);
      expect(tally.leaks).toBe(0);
    });
  },
  {
    exclude: {
      'node-webgpu': 'the fuzz runs on cpu and wasm in CI; SwiftShader makes its 1000 probes minutes long',
    },
  },
);
