import type * as backends from '@netlens/backends';
import {
  describeOnBackends,
  expectNoLeak,
  expectTensorsClose,
  seededValues,
} from '@netlens/backends/testing';
import { mnistClassifier, SQUEEZENET11_WEIGHT_SHAPES, squeezeNet11 } from '@netlens/models';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it, vi } from 'vitest';
import { deconvnet } from './deconvnet';
import { guidedBackprop } from './guided-backprop';
import { guidedGradCam } from './guided-grad-cam';
import { vanillaGradient } from './vanilla-gradient';

// The models in @netlens/models run their convolutions through `fusedConv2d`, one FusedConv2D kernel
// that stays fused under tf.grad. With `spelling.unfused` the same weights run as
// relu(conv2d + bias), whose Relu kernels the rules have always seen: the rule-based maps must not
// depend on the spelling.
const spelling = vi.hoisted(() => ({ unfused: false }));
vi.mock('@netlens/backends', async (importOriginal) => {
  const real = await importOriginal<typeof backends>();
  return {
    ...real,
    fusedConv2d: (args: backends.FusedConv2dArgs) => {
      if (!spelling.unfused) return real.fusedConv2d(args);
      const { x, filter, bias, strides = 1, pad, activation } = args;
      const padding =
        typeof pad === 'number'
          ? ([
              [0, 0],
              [pad, pad],
              [pad, pad],
              [0, 0],
            ] as const)
          : pad;
      const convolved = tf.conv2d(x, filter, strides as [number, number], padding as 'same');
      const z = bias === undefined ? convolved : (tf.add(convolved, bias) as tf.Tensor4D);
      return activation === 'relu' ? tf.relu(z) : z;
    },
  };
});

async function unfused<T>(run: () => Promise<T>): Promise<T> {
  spelling.unfused = true;
  try {
    return await run();
  } finally {
    spelling.unfused = false;
  }
}

async function maxAbs(tensor: tf.Tensor): Promise<number> {
  const result = tf.tidy(() => tf.max(tf.abs(tensor)));
  const [value] = await result.data();
  result.dispose();
  return value as number;
}

async function maxAbsDifference(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const difference = tf.sub(a, b);
  const value = await maxAbs(difference);
  difference.dispose();
  return value;
}

/** SqueezeNet 1.1 with seeded He-scaled weights (what matters is the ReLU pattern, not accuracy). */
function seededSqueezeNet() {
  const weights: Record<string, tf.Tensor> = {};
  let seed = 100;
  for (const [name, shape] of Object.entries(SQUEEZENET11_WEIGHT_SHAPES)) {
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    const fanIn = shape.length === 4 ? (shape[0] as number) * (shape[1] as number) * (shape[2] as number) : 1;
    const limit = shape.length === 4 ? Math.sqrt(6 / fanIn) : 0.05;
    weights[name] = tf.tensor(seededValues(size, seed++, -limit, limit), [...shape]);
  }
  return squeezeNet11(weights);
}

describeOnBackends(
  'ReLU rules on the fused models of @netlens/models',
  () => {
    it('SqueezeNet 1.1: guided backprop and deconvnet see the fused ReLUs, equal the unfused spelling and differ from the gradient', async () => {
      const model = seededSqueezeNet();
      const images = tf.tensor4d(seededValues(32 * 32 * 3, 7, 0, 1), [1, 32, 32, 3]);
      await expectNoLeak(async () => {
        const options = { target: 'predicted' as const };
        const vanilla = await vanillaGradient(model, images, {
          ...options,
          abs: false,
          channelReduction: 'none',
        });
        const vanillaUnfused = await unfused(() =>
          vanillaGradient(model, images, { ...options, abs: false, channelReduction: 'none' }),
        );
        await expectTensorsClose(vanilla, vanillaUnfused);
        for (const method of [guidedBackprop, deconvnet]) {
          const fusedMap = await method(model, images, options);
          const unfusedMap = await unfused(() => method(model, images, options));
          await expectTensorsClose(fusedMap, unfusedMap);
          expect(await maxAbsDifference(fusedMap, vanilla), method.name).toBeGreaterThan(
            0.1 * (await maxAbs(vanilla)),
          );
          tf.dispose([fusedMap, unfusedMap]);
        }
        tf.dispose([vanilla, vanillaUnfused]);
      });
      images.dispose();
      model.dispose();
    });

    it('MNIST CNN: the fused conv ReLUs follow the rules too, in guided Grad-CAM as well', async () => {
      const model = mnistClassifier();
      const images = tf.tensor4d(seededValues(3 * 28 * 28, 8, 0, 1), [3, 28, 28, 1]);
      await expectNoLeak(async () => {
        for (const method of [guidedBackprop, deconvnet]) {
          const fusedMap = await method(model, images, { target: 'predicted' });
          const unfusedMap = await unfused(() => method(model, images, { target: 'predicted' }));
          await expectTensorsClose(fusedMap, unfusedMap);
          tf.dispose([fusedMap, unfusedMap]);
        }
        const options = { target: 'predicted' as const, layer: 'conv2' };
        const fusedCam = await guidedGradCam(model, images, options);
        const unfusedCam = await unfused(() => guidedGradCam(model, images, options));
        await expectTensorsClose(fusedCam, unfusedCam);
        tf.dispose([fusedCam, unfusedCam]);
      });
      images.dispose();
      model.dispose();
    });
  },
  {
    exclude: {
      'node-webgpu':
        'SwiftShader needs ~70 s for the two real models (passed when run); the fused-rule mechanics run there in backends activation-gradient-rule.test.ts',
    },
  },
);
