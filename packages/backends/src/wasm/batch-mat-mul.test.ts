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
  setupParityBackends,
} from './__fixtures__/parity';

interface Case {
  batchA: number[];
  batchB: number[];
  m: number;
  k: number;
  n: number;
  transposeA: boolean;
  transposeB: boolean;
}

const batchShapes: [number[], number[]][] = [
  [[], []],
  [[3], [3]],
  [[3], []],
  [[], [3]],
  [[1], [4]],
  [[4], [1]],
  [[2, 3], [3]],
  [[3], [2, 3]],
  [
    [2, 1],
    [1, 3],
  ],
  [
    [2, 1],
    [2, 3],
  ],
];
// 3·4·5 runs the stock loop; 17·33·20 takes the GEMM route.
const sizes = [
  [3, 4, 5],
  [17, 33, 20],
] as const;

const cases: Case[] = [];
for (const [batchA, batchB] of batchShapes) {
  for (const [m, k, n] of sizes) {
    for (const transposeA of [false, true]) {
      for (const transposeB of [false, true]) {
        cases.push({ batchA, batchB, m, k, n, transposeA, transposeB });
      }
    }
  }
}

function operands({ batchA, batchB, m, k, n, transposeA, transposeB }: Case) {
  const a = seededTensor([...batchA, ...(transposeA ? [k, m] : [m, k])], 71);
  const b = seededTensor([...batchB, ...(transposeB ? [n, k] : [k, n])], 72);
  return { a, b };
}

/**
 * NumPy broadcasting made explicit, so that tfjs-cpu's batch loop (which maps batch indexes with a
 * modulo, wrong for e.g. [2,1]×[1,3]) sees equal batch shapes.
 */
function reference(testCase: Case): tf.Tensor {
  const { a, b } = operands(testCase);
  const batch = tf.broadcast_util.assertAndGetBroadcastShape(testCase.batchA, testCase.batchB);
  const full = (x: tf.Tensor) => tf.broadcastTo(x, [...batch, ...x.shape.slice(-2)]);
  return tf.matMul(full(a), full(b), testCase.transposeA, testCase.transposeB);
}

describe('BatchMatMul on wasm', () => {
  beforeAll(setupParityBackends);

  it(`matches tfjs-cpu for every transpose flag and batch broadcast (${cases.length} cases)`, async () => {
    await expectNoLeaks(async () => {
      for (const testCase of cases) {
        const [expected] = await computeOn('cpu', () => reference(testCase));
        const [actual] = await computeOn('wasm', () => {
          const { a, b } = operands(testCase);
          return tf.matMul(a, b, testCase.transposeA, testCase.transposeB);
        });
        expectClose(actual!, expected!, JSON.stringify(testCase));
      }
    });
  });

  it('gives matMul gradients that match tfjs-cpu for every transpose flag', async () => {
    await expectNoLeaks(async () => {
      for (const [batchA, batchB] of [
        [[], []],
        [[3], [3]],
      ] as const) {
        for (const [m, k, n] of sizes) {
          for (const transposeA of [false, true]) {
            for (const transposeB of [false, true]) {
              const testCase: Case = {
                batchA: [...batchA],
                batchB: [...batchB],
                m,
                k,
                n,
                transposeA,
                transposeB,
              };
              await expectWasmMatchesCpu(() => {
                const { a, b } = operands(testCase);
                const upstream = seededTensor([...batchA, m, n], 73);
                const loss = (x: tf.Tensor, y: tf.Tensor) =>
                  tf.sum(tf.mul(tf.matMul(x, y, transposeA, transposeB), upstream));
                return tf.grads(loss)([a, b]);
              }, JSON.stringify(testCase));
            }
          }
        }
      }
    });
  });

  it('equals a hand-computed product for every flag combination', async () => {
    // A = [[1, 2], [3, 4]], B = [[5, 6], [7, 8]]: AB = [[19, 22], [43, 50]], AᵀB = [[26, 30], [38, 44]],
    // ABᵀ = [[17, 23], [39, 53]], AᵀBᵀ = [[23, 31], [34, 46]]; batched twice against a shared B.
    const expected: Record<string, number[]> = {
      'false,false': [19, 22, 43, 50],
      'true,false': [26, 30, 38, 44],
      'false,true': [17, 23, 39, 53],
      'true,true': [23, 31, 34, 46],
    };
    await expectNoLeaks(async () => {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const [product] = await computeOn('wasm', () =>
            tf.matMul(
              tf.tensor3d([1, 2, 3, 4, 1, 2, 3, 4], [2, 2, 2]),
              tf.tensor2d([5, 6, 7, 8], [2, 2]),
              transposeA,
              transposeB,
            ),
          );
          const values = expected[`${transposeA},${transposeB}`]!;
          expectClose(product!, [...values, ...values], `${transposeA},${transposeB}`);
        }
      }
    });
  });

  it('computes the caption-model projection gradients ([50,512]×[512,2048])', async () => {
    await expectNoLeaks(() =>
      expectWasmMatchesCpu(() => {
        const a = seededTensor([50, 512], 74);
        const b = seededTensor([512, 2048], 75, 0.05);
        const upstream = seededTensor([50, 2048], 76);
        return tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.matMul(x, y), upstream)))([a, b]);
      }, 'caption'),
    );
  });
});
