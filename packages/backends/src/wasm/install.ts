import type { KernelConfig } from '@tensorflow/tfjs-core';
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { NetlensError } from '../errors';
import { avgPoolGradConfig } from './avg-pool-grad';
import { createBatchMatMulConfig } from './batch-mat-mul';
import { createCastConfig } from './cast';
import { CHANNEL_BROADCAST_KERNELS, createChannelBroadcastConfig } from './channel-broadcast';
import { COMPARISON_KERNELS, createCompareConfig } from './compare';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-backprop-input';
import { createGatherConfig } from './gather';
import { createIdentityConfig } from './identity';
import { WASM } from './internal-wasm-backend';
import { maxPoolGradConfig } from './max-pool-grad';
import { maxPoolWithArgmaxConfig } from './max-pool-with-argmax';
import { oneHotConfig } from './one-hot';
import { createSamePaddingConfig, SAME_PADDING_KERNELS } from './same-padding';
import { createSignConfig } from './sign';
import { createSplitVConfig } from './split-v';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

/** Builds netlens' config for one kernel from the stock wasm config it replaces (if any). */
type KernelFactory = (stock: KernelConfig | undefined) => KernelConfig;

function replacing(config: KernelConfig): KernelFactory {
  // The stock setup still runs on backend (re)initialisation: netlens' kernel may call into it.
  return (stock) => ({ ...config, setupFunc: stock?.setupFunc, disposeFunc: stock?.disposeFunc });
}

function wrapping(name: string, create: (stock: KernelConfig) => KernelConfig): KernelFactory {
  return (stock) => {
    if (stock === undefined) {
      throw new NetlensError('BACKEND_UNAVAILABLE', `The wasm backend has no '${name}' kernel to wrap.`);
    }
    return create(stock);
  };
}

const FACTORIES: ReadonlyMap<string, KernelFactory> = new Map<string, KernelFactory>([
  ['Conv2DBackpropInput', replacing(conv2dBackpropInputConfig)],
  ['Conv2DBackpropFilter', replacing(conv2dBackpropFilterConfig)],
  ['DepthwiseConv2dNativeBackpropInput', replacing(depthwiseConv2dNativeBackpropInputConfig)],
  ['DepthwiseConv2dNativeBackpropFilter', replacing(depthwiseConv2dNativeBackpropFilterConfig)],
  ['MaxPoolGrad', replacing(maxPoolGradConfig)],
  ['MaxPoolWithArgmax', replacing(maxPoolWithArgmaxConfig)],
  ['AvgPoolGrad', replacing(avgPoolGradConfig)],
  ['UnsortedSegmentSum', replacing(unsortedSegmentSumConfig)],
  ['BatchMatMul', wrapping('BatchMatMul', createBatchMatMulConfig)],
  ['SplitV', wrapping('SplitV', createSplitVConfig)],
  ['Identity', wrapping('Identity', createIdentityConfig)],
  ['Cast', wrapping('Cast', createCastConfig)],
  ['Sign', wrapping('Sign', createSignConfig)],
  ['GatherV2', wrapping('GatherV2', createGatherConfig)],
  ['OneHot', replacing(oneHotConfig)],
  ...COMPARISON_KERNELS.map((name): [string, KernelFactory] => [name, wrapping(name, createCompareConfig)]),
  ...CHANNEL_BROADCAST_KERNELS.map((name): [string, KernelFactory] => [
    name,
    wrapping(name, createChannelBroadcastConfig),
  ]),
  ...SAME_PADDING_KERNELS.map((name): [string, KernelFactory] => [
    name,
    wrapping(name, createSamePaddingConfig),
  ]),
]);

/** Names of the kernels netlens registers or replaces on wasm, for reports. */
export const WASM_GRADIENT_KERNELS: readonly string[] = /* @__PURE__ */ Object.freeze([...FACTORIES.keys()]);

/**
 * What {@link installWasmGradients} replaced, kept on `globalThis` (as tfjs keeps its registries)
 * so that two copies of this module (ESM and CJS builds) agree on whether the kernels are installed.
 */
interface InstalledState {
  stock: Map<string, KernelConfig | undefined>;
}

const STATE_KEY = Symbol.for('@netlens/backends/wasm-gradients');

function installedState(): InstalledState | undefined {
  return (globalThis as { [STATE_KEY]?: InstalledState })[STATE_KEY];
}

function setInstalledState(state: InstalledState | undefined): void {
  const holder = globalThis as { [STATE_KEY]?: InstalledState };
  if (state === undefined) {
    delete holder[STATE_KEY];
  } else {
    holder[STATE_KEY] = state;
  }
}

/**
 * Registers netlens' wasm gradient kernels (idempotent). Call after '@tensorflow/tfjs-backend-wasm'
 * is imported.
 *
 * Adds the kernels tfjs-backend-wasm 4.22 lacks (`Conv2DBackpropFilter`, the two depthwise
 * backprops, `UnsortedSegmentSum` for `gather`) and replaces stock ones that are wrong or slow in
 * gradients: `Conv2DBackpropInput`, `MaxPoolGrad`, `MaxPoolWithArgmax`, `AvgPoolGrad`, `SplitV`
 * (concat's gradient), `BatchMatMul` (transpose flags, batches), and `Identity`/`Cast`, which copy
 * every tensor the tape saves. The four convolutions (`Conv2D`, `DepthwiseConv2dNative` and their
 * fused forms) are wrapped so that `'same'` padding with a stride longer than the filter's reach is
 * not all zeros. Most are composites of the stock XNNPACK kernels; the rest are O(n)
 * JS passes over the wasm heap. Kernels are keyed by backend name, so cpu, webgl and webgpu are
 * untouched, and no gradient config changes. Results equal tfjs-cpu's to float32 rounding.
 *
 * @throws NetlensError `BACKEND_UNAVAILABLE` when no wasm kernels are registered yet.
 *
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * import { installWasmGradients } from '@netlens/backends/wasm';
 *
 * installWasmGradients();
 * await tf.setBackend('wasm');
 * const saliency = tf.grad((x) => tf.sum(tf.mul(model(x), oneHot)))(images);
 * ```
 */
export function installWasmGradients(): void {
  if (installedState() !== undefined) {
    return;
  }
  if (getKernel('Conv2D', WASM) === undefined) {
    throw new NetlensError(
      'BACKEND_UNAVAILABLE',
      "No wasm kernels are registered: import '@tensorflow/tfjs-backend-wasm' before installWasmGradients().",
    );
  }
  // Build every config before touching the registry, so that a failure leaves it as it was.
  const stock = new Map<string, KernelConfig | undefined>();
  const configs: KernelConfig[] = [];
  for (const [name, factory] of FACTORIES) {
    const original = getKernel(name, WASM);
    configs.push(factory(original));
    stock.set(name, original);
  }
  for (const config of configs) {
    if (stock.get(config.kernelName) !== undefined) {
      unregisterKernel(config.kernelName, WASM);
    }
    registerKernel(config);
  }
  setInstalledState({ stock });
}

/** Restores the stock wasm kernels (idempotent). */
export function uninstallWasmGradients(): void {
  const state = installedState();
  if (state === undefined) {
    return;
  }
  for (const [name, original] of state.stock) {
    if (getKernel(name, WASM) !== undefined) {
      unregisterKernel(name, WASM);
    }
    if (original !== undefined) {
      registerKernel(original);
    }
  }
  setInstalledState(undefined);
}
