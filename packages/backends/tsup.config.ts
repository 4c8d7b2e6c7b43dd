import { defineConfig } from 'tsup';
import { netlensPreset } from '../../tsup.preset';

export default defineConfig(
  netlensPreset({
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'runtimes/cpu': 'src/runtimes/cpu.ts',
      'runtimes/wasm': 'src/runtimes/wasm.ts',
      'runtimes/webgl': 'src/runtimes/webgl.ts',
      'runtimes/webgpu': 'src/runtimes/webgpu.ts',
      'runtimes/node-webgpu': 'src/runtimes/node-webgpu.ts',
      'runtimes/node': 'src/runtimes/node.ts',
      'runtimes/node-gpu': 'src/runtimes/node-gpu.ts',
    },
    // tfjs-core's gradient registrations are not importable from plain Node (extensionless ESM).
    bundle: [/^@tensorflow\/tfjs-core\/dist\//],
    external: [/^@tensorflow\/tfjs-(backend-|node|layers|converter)/, 'webgpu', 'vitest'],
  }),
);
