import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, NetlensError } from '@netlens/backends';
import {
  backendEpsilon,
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
} from '@netlens/backends/testing';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  SQUEEZENET11_LAYER_NAMES,
  SQUEEZENET11_WEIGHT_SHAPES,
  squeezeNet11,
  squeezeNet11Flops,
} from './squeezenet';
import { loadSqueezeNet11Weights } from './squeezenet-weights';

const PYTHON = '/usr/bin/python3';
const CONVERTER = fileURLToPath(new URL('../scripts/convert-squeezenet.py', import.meta.url));

// The parity reference comes from torchvision itself; without it (outside CI) the suite is skipped.
const torchProbe = spawnSync(PYTHON, ['-c', 'import torch, torchvision'], { encoding: 'utf8' });
const torchMissing =
  torchProbe.status !== 0 && process.env.CI !== 'true'
    ? `${PYTHON} cannot import torch/torchvision (${(torchProbe.stderr || String(torchProbe.error)).trim().split('\n').at(-1)}); install python3-torch python3-torchvision`
    : undefined;

interface Reference {
  input: Float32Array;
  inputShape: [number, number, number, number];
  logits: Float32Array;
  argmax: number[];
}

interface Fixtures {
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
  full: Reference;
  small: Reference;
}

let fixtures: Fixtures | undefined;
let workDirectory: string | undefined;

function floats(path: string): Float32Array {
  // Copy: a Node Buffer's byteOffset need not be 4-aligned.
  return new Float32Array(new Uint8Array(readFileSync(path)).buffer);
}

function readReference(directory: string): Reference {
  const meta = JSON.parse(readFileSync(join(directory, 'meta.json'), 'utf8'));
  return {
    input: floats(join(directory, 'input.bin')),
    inputShape: meta.inputShape,
    logits: floats(join(directory, 'logits.bin')),
    argmax: meta.argmax,
  };
}

function convert(args: string[]): void {
  const result = spawnSync(PYTHON, [CONVERTER, '--random-seed', '0', ...args], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`convert-squeezenet.py ${args.join(' ')} failed:\n${result.stderr || result.error}`);
  }
}

function given(): Fixtures {
  if (fixtures === undefined) throw new Error('fixtures were not created (see beforeAll)');
  return fixtures;
}

function loadWeights(): tf.NamedTensorMap {
  const { weightSpecs, weightData } = given();
  return loadSqueezeNet11Weights({ weightSpecs, weightData });
}

function argmaxRows(values: Float32Array, classes: number): number[] {
  const rows: number[] = [];
  for (let row = 0; row < values.length / classes; row++) {
    let best = 0;
    for (let k = 1; k < classes; k++) {
      if ((values[row * classes + k] as number) > (values[row * classes + best] as number)) best = k;
    }
    rows.push(best);
  }
  return rows;
}

/** Compares with torch's logits; returns the max absolute difference. */
async function expectParity(
  model: ReturnType<typeof squeezeNet11>,
  reference: Reference,
  label: string,
): Promise<number> {
  return expectNoLeak(async () => {
    const images = tf.tensor4d(reference.input, reference.inputShape);
    const logits = model.logits(images);
    const actual = (await logits.data()) as Float32Array;
    tf.dispose([images, logits]);
    let maxDifference = 0;
    let maxLogit = 0;
    for (let i = 0; i < reference.logits.length; i++) {
      const want = reference.logits[i] as number;
      maxDifference = Math.max(maxDifference, Math.abs((actual[i] as number) - want));
      maxLogit = Math.max(maxLogit, Math.abs(want));
    }
    console.info(
      `SqueezeNet 1.1 ${label} on ${tf.getBackend()}: max |logit diff| ${maxDifference.toExponential(2)} (max |logit| ${maxLogit.toFixed(3)})`,
    );
    expect(maxDifference).toBeLessThanOrEqual(backendEpsilon() * Math.max(1, maxLogit));
    expect(argmaxRows(actual, 1000)).toEqual(reference.argmax);
    return maxDifference;
  });
}

function expectModelLoadError(body: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    body();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(NetlensError);
  expect((caught as NetlensError).code).toBe('MODEL_LOAD');
  for (const fragment of fragments) expect((caught as Error).message).toContain(fragment);
}

describe.skipIf(torchMissing !== undefined)(
  `SqueezeNet 1.1${torchMissing ? ` (skipped: ${torchMissing})` : ''}`,
  () => {
    beforeAll(() => {
      workDirectory = mkdtempSync(join(tmpdir(), 'netlens-squeezenet-'));
      convert(['--out', join(workDirectory, 'weights'), '--dump-reference', join(workDirectory, 'full')]);
      convert(['--dump-reference', join(workDirectory, 'small'), '--size', '66', '--batch', '1']);
      const manifest = JSON.parse(readFileSync(join(workDirectory, 'weights', 'model.json'), 'utf8'));
      const bytes = readFileSync(join(workDirectory, 'weights', 'weights.bin'));
      fixtures = {
        weightSpecs: manifest.weightsManifest.flatMap(
          (group: { weights: tf.io.WeightsManifestEntry[] }) => group.weights,
        ),
        weightData: new Uint8Array(bytes).buffer,
        full: readReference(join(workDirectory, 'full')),
        small: readReference(join(workDirectory, 'small')),
      };
    });
    afterAll(() => {
      if (workDirectory !== undefined) rmSync(workDirectory, { recursive: true, force: true });
    });

    describeOnBackends(
      'SqueezeNet 1.1 parity with torchvision',
      () => {
        let model: ReturnType<typeof squeezeNet11>;
        beforeAll(() => {
          model = squeezeNet11(loadWeights());
        });
        afterAll(() => model.dispose());

        it('matches torchvision logits on a 2×224×224 batch', async () => {
          await expectParity(model, given().full, '224²');
        });

        it('taps every layer with torchvision shapes (fire9 → [2, 13, 13, 512])', async () => {
          const expected: Record<string, number[]> = {
            conv1: [2, 111, 111, 64],
            pool1: [2, 55, 55, 64],
            fire2: [2, 55, 55, 128],
            fire3: [2, 55, 55, 128],
            pool3: [2, 27, 27, 128],
            fire4: [2, 27, 27, 256],
            fire5: [2, 27, 27, 256],
            pool5: [2, 13, 13, 256],
            fire6: [2, 13, 13, 384],
            fire7: [2, 13, 13, 384],
            fire8: [2, 13, 13, 512],
            fire9: [2, 13, 13, 512],
            conv10: [2, 13, 13, 1000],
          };
          await expectNoLeak(() => {
            const { full } = given();
            const images = tf.tensor4d(full.input, full.inputShape);
            const activations = model.activations?.(images, SQUEEZENET11_LAYER_NAMES) ?? [];
            const shapes = Object.fromEntries(
              SQUEEZENET11_LAYER_NAMES.map((name, index) => [name, activations[index]?.shape]),
            );
            tf.dispose([images, ...activations]);
            expect(shapes).toEqual(expected);
          });
        });
      },
      {
        exclude: {
          'node-webgpu': 'SqueezeNet at 224² takes minutes on SwiftShader; covered by the 66² parity',
        },
      },
    );

    describeOnBackends('SqueezeNet 1.1 parity with torchvision at 66² (ceil-mode pooling)', () => {
      let model: ReturnType<typeof squeezeNet11>;
      let images: tf.Tensor4D;
      beforeAll(() => {
        model = squeezeNet11(loadWeights());
        const { small } = given();
        images = tf.tensor4d(small.input, small.inputShape);
      });
      afterAll(() => {
        model.dispose();
        images.dispose();
      });

      it('matches torchvision logits where every pooling pads a partial window', async () => {
        await expectParity(model, given().small, '66²');
      });

      it('pools with ceil mode (32 → 16 → 8 → 4)', async () => {
        await expectNoLeak(() => {
          const activations =
            model.activations?.(images, ['conv1', 'pool1', 'pool3', 'pool5', 'conv10']) ?? [];
          const shapes = activations.map((activation) => activation.shape);
          tf.dispose(activations);
          expect(shapes).toEqual([
            [1, 32, 32, 64],
            [1, 16, 16, 64],
            [1, 8, 8, 128],
            [1, 4, 4, 256],
            [1, 4, 4, 1000],
          ]);
        });
      });

      it('pads partial pooling windows with −∞, not zero (negative activations survive)', async () => {
        await expectNoLeak(async () => {
          let pooled: tf.Tensor | undefined;
          const logits = model.logitsWithInterventions?.(images, {
            conv1: (a) => tf.neg(tf.onesLike(a)),
            pool1: (a) => {
              pooled = tf.keep(a.clone());
              return a;
            },
          });
          expect(pooled?.shape).toEqual([1, 16, 16, 64]);
          await expectTensorsClose(pooled as tf.Tensor, new Float32Array(16 * 16 * 64).fill(-1), {
            atol: 0,
            rtol: 0,
          });
          tf.dispose([logits, pooled]);
        });
      });

      it('applies interventions: zeroing conv10 gives zero logits, identity changes nothing', async () => {
        await expectNoLeak(async () => {
          const zeroed = model.logitsWithInterventions?.(images, { conv10: (a) => tf.zerosLike(a) });
          const identity = model.logitsWithInterventions?.(images, { fire5: (a) => a, pool3: (a) => a });
          const plain = model.logits(images);
          expect(zeroed?.shape).toEqual([1, 1000]);
          await expectTensorsClose(zeroed as tf.Tensor, new Float32Array(1000), { atol: 0, rtol: 0 });
          await expectTensorsClose(identity as tf.Tensor, plain, { atol: 0, rtol: 0 });
          tf.dispose([zeroed, identity, plain]);
        });
      });

      it('is differentiable with respect to the pixels', async () => {
        await expectNoLeak(async () => {
          const gradient = tf.grad((x) => tf.sum(tf.gather(model.logits(x as tf.Tensor4D), [3], 1)))(images);
          const values = (await gradient.data()) as Float32Array;
          gradient.dispose();
          expect(values.every(Number.isFinite)).toBe(true);
          expect(values.some((value) => value !== 0)).toBe(true);
        });
      });

      it('rejects images smaller than 17×17 with a typed error', async () => {
        const tiny = tf.zeros([1, 16, 40, 3]) as tf.Tensor4D;
        expect(() => model.logits(tiny)).toThrow(InvalidArgumentError);
        expect(() => model.logits(tiny)).toThrow(/at least 17/);
        tiny.dispose();
      });
    });

    describe('weights', () => {
      it('owns its weights: building and disposing leaves no tensors', async () => {
        await expectNoLeak(() => squeezeNet11(loadWeights()).dispose());
      });

      it('names a missing weight with its expected shape', () => {
        const weights = loadWeights();
        const { 'features.9.expand3x3.bias': missing, ...rest } = weights;
        expectModelLoadError(() => squeezeNet11(rest), "'features.9.expand3x3.bias'", '[192]');
        tf.dispose([missing as tf.Tensor, ...Object.values(rest)]);
      });

      it('names a wrong-shaped weight with the expected and received shapes', () => {
        const weights = loadWeights();
        const torchLayout = tf.transpose(weights['features.0.weight'] as tf.Tensor, [3, 2, 0, 1]);
        expectModelLoadError(
          () => squeezeNet11({ ...weights, 'features.0.weight': torchLayout }),
          "'features.0.weight'",
          '[3,3,3,64]',
          '[64,3,3,3]',
        );
        tf.dispose([torchLayout, ...Object.values(weights)]);
      });

      it('names the tensor a truncated weights file cuts off', () => {
        const { weightSpecs, weightData } = given();
        expectModelLoadError(
          () =>
            loadSqueezeNet11Weights({
              weightSpecs,
              weightData: weightData.slice(0, weightData.byteLength - 8),
            }),
          'truncated',
          "'classifier.1.bias'",
        );
        expectModelLoadError(
          () => loadSqueezeNet11Weights({ weightSpecs, weightData: weightData.slice(0, 1000) }),
          "'features.0.weight'",
        );
      });

      it('rejects trailing bytes', () => {
        const { weightSpecs, weightData } = given();
        expectModelLoadError(
          () => loadSqueezeNet11Weights({ weightSpecs, weightData: [weightData, new ArrayBuffer(4)] }),
          '4 more bytes',
        );
      });

      it('writes every weight torchvision has, in HWIO', () => {
        const { weightSpecs } = given();
        expect(Object.fromEntries(weightSpecs.map((spec) => [spec.name, spec.shape]))).toEqual(
          SQUEEZENET11_WEIGHT_SHAPES,
        );
      });
    });
  },
);

describe('squeezeNet11Flops', () => {
  it('counts 0.349 G multiply-adds at 224×224', () => {
    expect(squeezeNet11Flops(224, 224)).toBe(349_151_936);
    expect(squeezeNet11Flops(224, 224) / 1e9).toBeCloseTo(0.349, 3);
  });

  it('scales with the pooled sizes and rejects inputs below 17×17', () => {
    expect(squeezeNet11Flops(66, 66)).toBeLessThan(squeezeNet11Flops(224, 224) / 8);
    expect(squeezeNet11Flops(17, 17)).toBeGreaterThan(0);
    expect(() => squeezeNet11Flops(16, 224)).toThrow(InvalidArgumentError);
  });

  it('exposes 1.235 M parameters', () => {
    const parameters = Object.values(SQUEEZENET11_WEIGHT_SHAPES).reduce(
      (sum, shape) => sum + shape.reduce((product, size) => product * size, 1),
      0,
    );
    expect(parameters).toBe(1_235_496);
  });
});
