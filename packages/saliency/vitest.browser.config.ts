import { defineConfig, mergeConfig } from 'vitest/config';
import browser from '../../vitest.browser.shared';

// The same suites in headless Chromium on webgpu, webgl, wasm and cpu. Left out, as Node-only:
// squeezenet-parity.test.ts (spawns the PyTorch reference with /usr/bin/python3) and *.node.test.ts
// (mnist-fixture.node.test.ts reads the `mnist` package and heldout.json with node:fs).
export default mergeConfig(
  browser,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      exclude: ['src/squeezenet-parity.test.ts', 'src/**/*.node.test.ts'],
    },
  }),
);
