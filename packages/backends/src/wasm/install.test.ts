import '../gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  expectNoLeaks,
  expectWasmMatchesCpu,
  initializeStockWasm,
  seededTensor,
} from './__fixtures__/parity';
import { installWasmGradients, uninstallWasmGradients, WASM_GRADIENT_KERNELS } from './install';

function filterGradient(): tf.Tensor {
  const x = seededTensor<tf.Tensor4D>([1, 6, 6, 2], 91);
  const filter = seededTensor<tf.Tensor4D>([3, 3, 2, 3], 92);
  return tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(x, w as tf.Tensor4D, 1, 'same')))(filter);
}

describe('installWasmGradients / uninstallWasmGradients', () => {
  const stock = new Map<string, tf.KernelConfig | undefined>();
  const cpu = new Map<string, tf.KernelConfig | undefined>();

  beforeAll(async () => {
    await initializeStockWasm();
    await tf.setBackend('cpu');
    for (const name of WASM_GRADIENT_KERNELS) {
      stock.set(name, tf.getKernel(name, 'wasm'));
      cpu.set(name, tf.getKernel(name, 'cpu'));
    }
  });

  afterAll(uninstallWasmGradients);

  it('starts from the stock wasm kernels, four of which are missing', () => {
    const missing = WASM_GRADIENT_KERNELS.filter((name) => stock.get(name) === undefined);
    expect(missing.sort()).toEqual([
      'Conv2DBackpropFilter',
      'DepthwiseConv2dNativeBackpropFilter',
      'DepthwiseConv2dNativeBackpropInput',
      'UnsortedSegmentSum',
    ]);
  });

  it('registers or replaces every listed kernel for wasm only, and only once', () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      installWasmGradients();
      const installed = WASM_GRADIENT_KERNELS.map((name) => tf.getKernel(name, 'wasm'));
      installWasmGradients();
      expect(warn).not.toHaveBeenCalled();
      WASM_GRADIENT_KERNELS.forEach((name, i) => {
        const config = tf.getKernel(name, 'wasm');
        expect(config, name).toBe(installed[i]);
        expect(config?.kernelFunc, name).not.toBe(stock.get(name)?.kernelFunc);
        // The stock setup (cwrap of its wasm function) still runs when the backend initialises.
        expect(config?.setupFunc, name).toBe(stock.get(name)?.setupFunc);
        expect(tf.getKernel(name, 'cpu'), name).toBe(cpu.get(name));
      });
    } finally {
      warn.mockRestore();
    }
  });

  it('gives wasm a filter gradient equal to tfjs-cpu', async () => {
    installWasmGradients();
    await expectNoLeaks(() => expectWasmMatchesCpu(filterGradient, 'installed'));
  });

  it('restores the stock kernels, idempotently', async () => {
    uninstallWasmGradients();
    uninstallWasmGradients();
    for (const name of WASM_GRADIENT_KERNELS) {
      expect(tf.getKernel(name, 'wasm'), name).toBe(stock.get(name));
    }
    await tf.setBackend('wasm');
    // No leak check here: when a gradient throws, tfjs-core keeps the tensors its tape saved
    // (3 here).
    expect(() => tf.tidy(() => filterGradient())).toThrow(/Conv2DBackpropFilter/);
    await tf.setBackend('cpu');
  });

  it('installs again after uninstalling', async () => {
    installWasmGradients();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    await expectNoLeaks(() => expectWasmMatchesCpu(filterGradient, 'reinstalled'));
  });
});
