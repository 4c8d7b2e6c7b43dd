import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { type LoadedClassifier, loadClassifier } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  converterModelSource,
  loadConverterReference,
} from '../../models/src/__fixtures__/converter-reference';
import { integratedGradients } from './integrated-gradients';
import { runSaliencyMethod, SALIENCY_METHOD_NAMES, type SaliencyMethodName } from './methods-by-name';
import { occlusion } from './occlusion';
import { smoothGrad } from './smooth-grad';
import { vanillaGradient } from './vanilla-gradient';

// Every named saliency method runs on the converter-shaped MobileNetV2 and Inception GraphModels
// (loaded with loadClassifier), leak-free, with finite maps and one property each that a wrong
// gradient or an ignored rule would break. Parity with PyTorch is converter-parity.test.ts. The
// fixtures are read with fetch in Chromium and node:fs in Node (converter-reference.ts).
const REFERENCES = await Promise.all(
  (['mobilenet-v2', 'inception'] as const).map((name) => loadConverterReference(name)),
);
const NON_NEGATIVE: ReadonlySet<SaliencyMethodName> = new Set([
  'vanilla',
  'smoothgrad',
  'gradcam',
  'gradcam++',
  'guided',
  'deconvnet',
  'guidedgradcam',
]);

async function summary(map: tf.Tensor): Promise<{ min: number; max: number; finite: boolean }> {
  const values = await map.data();
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let finite = true;
  for (const value of values) {
    finite &&= Number.isFinite(value);
    min = Math.min(min, value);
    max = Math.max(max, value);
  }
  return { min, max, finite };
}

describeOnBackends(
  'every saliency method on converter-shaped GraphModels',
  () => {
    for (const reference of REFERENCES) {
      const name = reference.name as 'mobilenet-v2' | 'inception';
      const [, height, width] = reference.inputShape;
      let model: LoadedClassifier;
      let image: tf.Tensor4D;
      let vanilla: tf.Tensor4D;
      beforeAll(async () => {
        model = await loadClassifier(await converterModelSource(name), { preprocess: reference.preprocess });
        // One image keeps the sampling methods (SmoothGrad, IG, occlusion) to seconds.
        image = tf.tensor4d(reference.input.subarray(0, height * width * 3), [1, height, width, 3]);
        vanilla = await vanillaGradient(model, image, {
          target: reference.targets[0],
          abs: false,
          channelReduction: 'none',
        });
      });
      afterAll(() => {
        tf.dispose([image, vanilla]);
        model?.dispose();
      });

      // runSaliencyMethod with its defaults, except the sampling methods, which run with few samples
      // here (their default batch sizing is timed on the real-sized MobileNetV2 elsewhere).
      const run = (method: SaliencyMethodName): Promise<tf.Tensor4D> => {
        const target = reference.targets[0] as number;
        switch (method) {
          case 'smoothgrad':
            return smoothGrad(model, image, { target, samples: 2, seed: 1 }).then((map) =>
              tf.tidy(() => {
                const reduced = tf.max(tf.abs(map), 3, true) as tf.Tensor4D;
                map.dispose();
                return reduced;
              }),
            );
          case 'ig':
            return integratedGradients(model, image, { target, numSteps: 2 }).then(({ attributions }) =>
              tf.tidy(() => {
                const summed = tf.sum(attributions, 3, true) as tf.Tensor4D;
                attributions.dispose();
                return summed;
              }),
            );
          case 'occlusion':
            return occlusion(model, image, { target, window: 32, stride: 32 });
          default:
            return runSaliencyMethod(method, model, image, { target });
        }
      };

      for (const method of SALIENCY_METHOD_NAMES) {
        it(`${name}: ${method}`, async () => {
          await expectNoLeak(async () => {
            const map = await run(method);
            expect(map.shape).toEqual([1, height, width, 1]);
            const { min, max, finite } = await summary(map);
            expect(finite).toBe(true);
            expect(max).toBeGreaterThan(min);
            if (NON_NEGATIVE.has(method)) expect(min).toBeGreaterThanOrEqual(0);
            const scale = Math.max(Math.abs(min), Math.abs(max));
            const largest = async (value: () => tf.Tensor) => {
              const reduced = tf.tidy(() => tf.max(value()));
              const [result] = await reduced.data();
              reduced.dispose();
              return result as number;
            };
            if (method === 'guided' || method === 'deconvnet' || method === 'smoothgrad') {
              // A rule that never fires (or noise that does nothing) gives back max |plain gradient|.
              const plain = () => tf.max(tf.abs(vanilla), 3, true);
              expect(await largest(() => tf.abs(tf.sub(map, plain())))).toBeGreaterThan(1e-3 * scale);
            }
            if (method === 'gradxinput') {
              const product = () => tf.sum(tf.mul(vanilla, image), 3, true);
              expect(await largest(() => tf.abs(tf.sub(map, product())))).toBeLessThanOrEqual(1e-5 * scale);
            }
            if (method === 'occlusion') {
              // Windows tile the image, so the map is constant on each 32 × 32 tile.
              const tiles = () => tf.reshape(map, [height / 32, 32, width / 32, 32]);
              expect(await largest(() => tf.sub(tf.max(tiles(), [1, 3]), tf.min(tiles(), [1, 3])))).toBe(0);
            }
            map.dispose();
          });
        });
      }
    }
  },
  {
    exclude: {
      'node-webgpu': 'SwiftShader runs the sampling methods for minutes; parity runs there',
      webgpu: 'SwiftShader runs the sampling methods for minutes; parity runs there',
      webgl: 'SwiftShader runs the sampling methods for minutes; parity runs there',
    },
  },
);
