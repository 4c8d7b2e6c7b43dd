import * as tf from '@tensorflow/tfjs-core';
import { installWebGPUMaxPoolGrad } from '../webgpu/max-pool-grad';

interface GpuAdapterLike {
  readonly info?: { vendor?: string; architecture?: string; device?: string; description?: string };
  readonly isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: unknown): Promise<GpuAdapterLike | null>;
}

/** The `navigator.gpu` object when this runtime has one. */
export function navigatorGpu(): GpuLike | undefined {
  const nav = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator;
  return nav?.gpu;
}

const SOFTWARE_ADAPTERS = /swiftshader|llvmpipe|lavapipe|software|microsoft basic/i;

/**
 * Imports tfjs-backend-webgpu after `navigator.gpu` exists (it registers itself only if the object is
 * there when the module is first evaluated), puts netlens' first-maximum `MaxPoolGrad` in place of
 * its kernel, and describes the adapter.
 */
export async function registerWebGPU(
  load: () => Promise<unknown>,
): Promise<{ detail: string; software: boolean }> {
  const gpu = navigatorGpu();
  if (!gpu) throw new Error('navigator.gpu is missing (WebGPU is not enabled in this runtime)');
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null (no usable GPU adapter)');
  await load();
  if (!tf.findBackendFactory('webgpu')) {
    throw new Error('tfjs-backend-webgpu was imported before navigator.gpu existed and did not register');
  }
  // Its MaxPoolGrad sends a tie to the last maximum; every other backend (and PyTorch) to the first.
  installWebGPUMaxPoolGrad();
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device || info.description].filter(Boolean).join(' ');
  const software = Boolean(adapter.isFallbackAdapter) || SOFTWARE_ADAPTERS.test(name);
  return { detail: `adapter: ${name || 'unknown'}${software ? ' (software rasteriser)' : ''}`, software };
}
