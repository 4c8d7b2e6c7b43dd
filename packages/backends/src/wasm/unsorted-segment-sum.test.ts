import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, it } from 'vitest';
import {
  computeOn,
  expectClose,
  expectNoLeaks,
  expectWasmMatchesCpu,
  seededTensor,
  seededValues,
  setupParityBackends,
} from './__fixtures__/parity';

/** `count` indices in `[0, size)` with repeats. */
function repeatedIndices(count: number, size: number, seed: number): tf.Tensor1D {
  const unit = seededValues(count, seed);
  return tf.tensor1d(
    Array.from(unit, (value) => Math.floor(((value + 1) / 2) * size)),
    'int32',
  );
}

interface Case {
  x: number[];
  axis: number;
  count: number;
}

const cases: Case[] = [
  { x: [10, 4], axis: 0, count: 25 },
  // No rank-1 table: the gradient then transposes a rank-1 tensor, which tfjs-core does with
  // `x.clone()`, and that Tensor method is missing on the second (ESM) copy of tfjs-core that
  // `register_all_gradients` loads under this package's Vitest setup. Rank 1 is covered below.
  { x: [7, 1], axis: 0, count: 12 },
  { x: [6, 3, 5], axis: 0, count: 9 },
  { x: [4, 9, 3], axis: 1, count: 20 },
  { x: [3, 4, 8], axis: 2, count: 30 },
  { x: [2, 3, 4, 5], axis: 3, count: 11 },
  { x: [2, 3, 4, 5], axis: -2, count: 7 },
];

describe('UnsortedSegmentSum on wasm (gather gradient)', () => {
  beforeAll(setupParityBackends);

  it(`gives tf.gather a gradient that matches tfjs-cpu (${cases.length} axes and shapes, repeated indices)`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        await expectWasmMatchesCpu(() => {
          const x = seededTensor(testCase.x, 61);
          const indices = repeatedIndices(testCase.count, x.shape.at(testCase.axis)!, 62);
          const probe = tf.gather(x, indices, testCase.axis);
          const upstream = seededTensor(probe.shape, 63);
          return tf.grad((value) => tf.sum(tf.mul(tf.gather(value, indices, testCase.axis), upstream)))(x);
        }, JSON.stringify(testCase));
      }
    });
  });

  it('matches tfjs-cpu for direct calls: ids out of range, rank-2 ids, int32 data', async () => {
    await expectNoLeaks(async () => {
      await expectWasmMatchesCpu(() => {
        const x = seededTensor([6, 4], 64);
        const ids = tf.tensor1d([0, 3, -1, 3, 7, 1], 'int32');
        return tf.unsortedSegmentSum(x, ids, 5);
      }, 'out of range');
      await expectWasmMatchesCpu(
        () => tf.unsortedSegmentSum(seededTensor([9], 65), repeatedIndices(9, 4, 66), 4),
        'rank 1',
      );
      // Rank-2 ids follow TensorFlow; tfjs-cpu takes only rank 1, so compare with the flattened call.
      const flatIds = [0, 1, 1, 2, 2, 2, 0, 0, 1, 0, 2, 1];
      const [expected] = await computeOn('cpu', () =>
        tf.unsortedSegmentSum(
          tf.reshape(seededTensor([3, 4, 2], 67), [12, 2]),
          tf.tensor1d(flatIds, 'int32'),
          3,
        ),
      );
      const [actual] = await computeOn('wasm', () =>
        tf.unsortedSegmentSum(
          seededTensor([3, 4, 2], 67),
          // The op's types say rank 1; the kernel takes any rank.
          tf.tensor2d(flatIds, [3, 4], 'int32') as unknown as tf.Tensor1D,
          3,
        ),
      );
      expectClose(actual!, expected!, 'rank-2 ids');
      await expectWasmMatchesCpu(() => {
        const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32');
        return tf.unsortedSegmentSum(x, tf.tensor1d([1, 1, 0], 'int32'), 2);
      }, 'int32');
    });
  });

  it('equals a hand-computed embedding gradient', async () => {
    // Rows 0 and 2 of a 3×2 table are looked up as [2, 0, 2]; dy rows are [1 1], [2 2], [3 3].
    await expectNoLeaks(async () => {
      const [dx] = await computeOn('wasm', () =>
        tf.grad((table) =>
          tf.sum(
            tf.mul(
              tf.gather(table, tf.tensor1d([2, 0, 2], 'int32')),
              tf.tensor2d([1, 1, 2, 2, 3, 3], [3, 2]),
            ),
          ),
        )(tf.zeros([3, 2])),
      );
      expectClose(dx!, [2, 2, 0, 0, 4, 4]);
    });
  });
});
