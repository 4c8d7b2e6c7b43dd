import { InvalidArgumentError } from '@netlens/backends';
import {
  createTinyConvNet,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  tinyImages,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkDirectionalGradient } from './__fixtures__/directional-gradient';
import { modelOutputs } from './internal/model-outputs';
import {
  channel,
  classLogit,
  direction,
  diversity,
  neuron,
  type Objective,
  scaleObjective,
  subtractObjectives,
  sumObjectives,
} from './objectives';

describeOnBackends('objectives', () => {
  let tiny: ReturnType<typeof createTinyConvNet>;
  let images: tf.Tensor4D;
  beforeAll(() => {
    tiny = createTinyConvNet();
    images = tinyImages(3);
  });
  afterAll(() => {
    tiny.dispose();
    images.dispose();
  });
  const evaluate = (objective: Objective, x: tf.Tensor4D) =>
    tf.tidy(() => objective.evaluate(modelOutputs(tiny.classifier, x, [objective])));

  it('read the right numbers: logits, channel means, the centre neuron, projections', async () => {
    await expectNoLeak(async () => {
      const [conv1, conv2] = (
        tiny.classifier.activations as (x: tf.Tensor4D, names: string[]) => tf.Tensor[]
      )(images, ['conv1', 'conv2']) as tf.Tensor4D[];
      const logits = tiny.classifier.logits(images);
      const a1 = (await (conv1 as tf.Tensor4D).array()) as number[][][][];
      const a2 = (await (conv2 as tf.Tensor4D).array()) as number[][][][];
      const l = (await logits.array()) as number[][];
      const mean = (plane: number[][][], c: number) =>
        plane.flat().reduce((s, p) => s + (p[c] as number), 0) / 64;
      const vector = [0.5, -1, 2, 0.25];
      const cases: [Objective, number[]][] = [
        [classLogit(3), l.map((row) => row[3] as number)],
        [channel('conv1', 2), a1.map((plane) => mean(plane, 2))],
        [neuron('conv2', 5), a2.map((plane) => ((plane[2] as number[][])[2] as number[])[5] as number)],
        [
          neuron('conv2', 1, { x: 0, y: 3 }),
          a2.map((plane) => ((plane[3] as number[][])[0] as number[])[1] as number),
        ],
        [
          direction('conv1', vector),
          a1.map(
            (plane) =>
              plane.flat().reduce((s, p) => s + p.reduce((t, v, c) => t + v * (vector[c] as number), 0), 0) /
              64,
          ),
        ],
        [
          subtractObjectives(
            sumObjectives(classLogit(1), channel('conv1', 0)),
            scaleObjective(classLogit(2), 3),
          ),
          l.map((row, i) => (row[1] as number) + mean(a1[i] as number[][][], 0) - 3 * (row[2] as number)),
        ],
      ];
      for (const [objective, expected] of cases) {
        const value = evaluate(objective, images);
        await expectTensorsClose(value, expected);
        value.dispose();
      }
      tf.dispose([conv1, conv2, logits]);
    });
  });

  it('diversity is minus the summed cosine similarity of Gram matrices over the batch', async () => {
    await expectNoLeak(async () => {
      const [conv1] = (tiny.classifier.activations as (x: tf.Tensor4D, names: string[]) => tf.Tensor[])(
        images,
        ['conv1'],
      ) as tf.Tensor4D[];
      const a = (await (conv1 as tf.Tensor4D).array()) as number[][][][];
      const grams = a.map((plane) => {
        const rows = plane.flat();
        return Array.from({ length: 16 }, (_, k) =>
          rows.reduce((s, p) => s + (p[Math.floor(k / 4)] as number) * (p[k % 4] as number), 0),
        );
      });
      const unit = grams.map((g) => g.map((v) => v / Math.hypot(...g)));
      const cos = (i: number, j: number) =>
        (unit[i] as number[]).reduce((s, v, k) => s + v * ((unit[j] as number[])[k] as number), 0);
      const expected = [0, 1, 2].map(
        (i) => -[0, 1, 2].filter((j) => j !== i).reduce((s, j) => s + cos(i, j), 0) / 3,
      );
      const value = evaluate(diversity('conv1'), images);
      await expectTensorsClose(value, expected);
      tf.dispose([conv1, value]);
    });
  });

  it('match numeric gradients with respect to the images', async () => {
    await expectNoLeak(async () => {
      const objectives = [
        classLogit(2),
        channel('conv1', 1),
        neuron('conv1', 3),
        direction('conv1', [1, -0.5, 0.25, 2]),
        diversity('conv1'),
        subtractObjectives(
          scaleObjective(channel('conv1', 0), 2),
          sumObjectives(classLogit(0), neuron('conv1', 2, { x: 1, y: 6 })),
        ),
      ];
      for (const objective of objectives) {
        await checkDirectionalGradient((x: tf.Tensor4D) => tf.sum(evaluate(objective, x)), images);
      }
    });
  });

  it('reject bad arguments with InvalidArgumentError naming them', () => {
    expect(() => classLogit(-1)).toThrow(InvalidArgumentError);
    expect(() => channel('', 0)).toThrow(/layer/);
    expect(() => direction('conv1', [])).toThrow(/vector/);
    expect(() => scaleObjective(classLogit(0), Number.NaN)).toThrow(/factor/);
    expect(() => sumObjectives()).toThrow(/objectives/);
    expect(() => classLogit(9).validate({ logits: [1, 5] })).toThrow(/classIndex/);
    expect(() => channel('conv1', 4).validate({ conv1: [1, 8, 8, 4] })).toThrow(/index/);
    expect(() => neuron('conv1', 0, { x: 8, y: 0 }).validate({ conv1: [1, 8, 8, 4] })).toThrow(/position\.x/);
    expect(() => direction('conv1', [1, 2]).validate({ conv1: [1, 8, 8, 4] })).toThrow(/vector/);
  });
});
