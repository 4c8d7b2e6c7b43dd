import { defineConfig, mergeConfig } from 'vitest/config';
import browser from '../../vitest.browser.shared';

// The Node-only suites (environment variables, tfjs-node, Dawn) stay out of the browser run.
export default mergeConfig(
  browser,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      exclude: ['src/select-backend.test.ts', 'src/wasm-threads/**', 'src/**/*.node.test.ts'],
    },
  }),
);
