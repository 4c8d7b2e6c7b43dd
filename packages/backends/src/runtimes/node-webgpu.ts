// Side-effect entry: WebGPU in Node through Dawn (the `webgpu` npm package, an optional peer).
import '../gradients';
import { importOptional, isNode } from '../internal/optional-import';
import { navigatorGpu, registerWebGPU } from '../internal/webgpu-registration';
import type { PreparedRuntime } from './runtime';

/** Chromium's SwiftShader Vulkan driver, a CPU implementation that Dawn accepts. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const ICD_DIRECTORIES = ['/etc/vulkan/icd.d', '/usr/share/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
// Mesa's lavapipe lacks features Dawn requires, so it does not count as a usable driver.
const UNUSABLE_ICD = /^lvp_icd/;

/** True when the kernel exposes a GPU device node (DRM render node or NVIDIA device). */
function hasGpuDevice(): boolean {
  const fs = process.getBuiltinModule('node:fs');
  if (fs.existsSync('/dev/nvidia0') || fs.existsSync('/dev/dxg')) return true;
  try {
    return fs.readdirSync('/dev/dri').some((entry) => entry.startsWith('renderD'));
  } catch {
    return false;
  }
}

/**
 * Decides which Vulkan driver Dawn sees first: the one the environment names, else the system's
 * hardware drivers when a GPU device exists, else Chromium's SwiftShader (set through
 * `VK_ICD_FILENAMES`, and said so). Returns whether SwiftShader may still be tried as a fallback.
 */
function chooseVulkanDriver(): { driver: string; fallback: boolean } {
  const env = process.env;
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) {
    return {
      driver: `Vulkan driver from the environment (${env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES})`,
      fallback: false,
    };
  }
  const fs = process.getBuiltinModule('node:fs');
  const installed = ICD_DIRECTORIES.flatMap((directory) => {
    try {
      return fs.readdirSync(directory).filter((file) => file.endsWith('.json') && !UNUSABLE_ICD.test(file));
    } catch {
      return [];
    }
  });
  const swiftShader = fs.existsSync(SWIFTSHADER_ICD);
  if (installed.length > 0 && hasGpuDevice()) {
    return { driver: `system Vulkan driver (${installed.join(', ')})`, fallback: swiftShader };
  }
  if (swiftShader) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return {
      driver: `no GPU device or hardware Vulkan driver found, so VK_ICD_FILENAMES was set to Chromium's SwiftShader (${SWIFTSHADER_ICD})`,
      fallback: false,
    };
  }
  throw new Error(
    `no Vulkan driver found (no GPU device, nothing usable in ${ICD_DIRECTORIES.join(', ')}; install a GPU driver, or Debian's chromium for its SwiftShader driver)`,
  );
}

/** Creates a Dawn GPU, exposes it as `navigator.gpu`, then registers tfjs-backend-webgpu. */
export async function prepare(): Promise<PreparedRuntime> {
  if (!isNode()) throw new Error('node-webgpu runs only in Node.js; use webgpu in browsers');
  let driver = 'navigator.gpu already present';
  if (!navigatorGpu()) {
    const choice = chooseVulkanDriver();
    driver = choice.driver;
    if (!process.env.XDG_RUNTIME_DIR) {
      // Dawn's Vulkan loader logs an error per call without it; a private temp dir silences it.
      const fs = process.getBuiltinModule('node:fs');
      const os = process.getBuiltinModule('node:os');
      const path = process.getBuiltinModule('node:path');
      process.env.XDG_RUNTIME_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'netlens-xdg-'));
    }
    const dawn = await importOptional('webgpu');
    if (!dawn) throw new Error("the 'webgpu' package is not installed (npm install webgpu)");
    const create = dawn.create as (flags: string[]) => { requestAdapter(): Promise<unknown> };
    Object.assign(globalThis, dawn.globals as object);
    let gpu = create([]);
    if (choice.fallback && !(await gpu.requestAdapter())) {
      // The loader re-reads VK_ICD_FILENAMES for each new Dawn instance.
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
      gpu = create([]);
      driver = `the system Vulkan drivers gave no adapter, so VK_ICD_FILENAMES was set to Chromium's SwiftShader (${SWIFTSHADER_ICD})`;
    }
    const holder = globalThis as unknown as { navigator?: Record<string, unknown> };
    if (!holder.navigator) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    } else {
      Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
    }
  }
  const { detail, software } = await registerWebGPU(() => importOptional('@tensorflow/tfjs-backend-webgpu'));
  return { tfjsName: 'webgpu', detail: `${detail}; ${driver}`, software };
}
