import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  expectNoLeaks,
  expectWasmMatchesCpu,
  seededTensor,
  setupParityBackends,
} from './__fixtures__/parity';
import { installWasmGradients, uninstallWasmGradients, WASM_GRADIENT_KERNELS } from './install';
import { SAME_PADDING_KERNELS } from './same-padding';

type Case = {
  name: string;
  x: [number, number, number, number];
  size: [number, number];
  strides: [number, number];
  dilations?: number;
};

// 'same' convolutions whose windows end before the input does on one axis or both (stride larger
// than the filter), next to ones that pad (the stock path).
const CASES: readonly Case[] = [
  { name: '2×2 filter, stride 3, 6×6', x: [1, 6, 6, 2], size: [2, 2], strides: [3, 3] },
  { name: '3×3 filter, stride 5, 5×5', x: [2, 5, 5, 3], size: [3, 3], strides: [5, 5] },
  { name: '2×2 filter, strides 4 and 1 (one axis short)', x: [1, 7, 6, 2], size: [2, 2], strides: [4, 1] },
  {
    name: '2×3 filter, strides 1 and 5 (the other axis short)',
    x: [1, 5, 8, 3],
    size: [2, 3],
    strides: [1, 5],
  },
  { name: '3×3 filter, stride 2 (pads; stock path)', x: [1, 8, 7, 2], size: [3, 3], strides: [2, 2] },
  { name: '1×1 filter, stride 3, 7×8', x: [1, 7, 8, 3], size: [1, 1], strides: [3, 3] },
  {
    name: '3×3 filter dilated 2, stride 1 (pads; stock path)',
    x: [1, 7, 7, 2],
    size: [3, 3],
    strides: [1, 1],
    dilations: 2,
  },
];

describe("'same' padding of wasm convolutions where the stride passes the filter", () => {
  beforeAll(setupParityBackends);

  it('is what tfjs 4.22 gets wrong: its wasm kernel returns zeros', async () => {
    expect(WASM_GRADIENT_KERNELS).toEqual(expect.arrayContaining([...SAME_PADDING_KERNELS]));
    uninstallWasmGradients();
    try {
      await tf.setBackend('wasm');
      const x = seededTensor<tf.Tensor4D>([1, 6, 6, 2], 1);
      const filter = seededTensor<tf.Tensor4D>([2, 2, 2, 3], 2);
      const y = tf.conv2d(x, filter, 3, 'same');
      expect(Array.from(await y.data()).every((value) => value === 0)).toBe(true);
      tf.dispose([x, filter, y]);
    } finally {
      installWasmGradients();
      await tf.setBackend('cpu');
    }
  });

  for (const testCase of CASES) {
    it(`${testCase.name}: conv, depthwise and their fused forms equal tfjs-cpu, gradients too`, async () => {
      const { x: shape, size, strides, dilations = 1 } = testCase;
      const channels = shape[3];
      await expectNoLeaks(async () => {
        await expectWasmMatchesCpu(() => {
          const x = seededTensor<tf.Tensor4D>(shape, 11);
          const filter = seededTensor<tf.Tensor4D>([...size, channels, 4], 12);
          const depthwiseFilter = seededTensor<tf.Tensor4D>([...size, channels, 2], 13);
          const bias = seededTensor<tf.Tensor1D>([4], 14, 0.3);
          const conv = (input: tf.Tensor4D, weights: tf.Tensor4D) =>
            tf.conv2d(input, weights, strides, 'same', 'NHWC', dilations);
          const depthwise = (input: tf.Tensor4D, weights: tf.Tensor4D) =>
            tf.depthwiseConv2d(input, weights, strides, 'same', 'NHWC', dilations);
          const outputs = [
            conv(x, filter),
            depthwise(x, depthwiseFilter),
            tf.fused.conv2d({ x, filter, strides, pad: 'same', dilations, bias, activation: 'relu' }),
            tf.fused.depthwiseConv2d({ x, filter: depthwiseFilter, strides, pad: 'same', dilations }),
            // Conv2DBackpropInput and the filter and depthwise backprops, through tf.grad (tfjs has
            // no dilated conv gradients).
            ...(dilations === 1
              ? [
                  ...tf.grads((input: tf.Tensor, weights: tf.Tensor) =>
                    tf.sum(tf.square(conv(input as tf.Tensor4D, weights as tf.Tensor4D))),
                  )([x, filter]),
                  ...tf.grads((input: tf.Tensor, weights: tf.Tensor) =>
                    tf.sum(tf.square(depthwise(input as tf.Tensor4D, weights as tf.Tensor4D))),
                  )([x, depthwiseFilter]),
                ]
              : []),
          ];
          // Every output has something to compare: none of them is zero everywhere on cpu.
          for (const output of outputs) expect(tf.max(tf.abs(output)).dataSync()[0]).toBeGreaterThan(0);
          return outputs;
        }, testCase.name);
      });
    });
  }
});
