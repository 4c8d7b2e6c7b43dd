import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { defineConfig, mergeConfig } from 'vitest/config';
import shared from './vitest.shared';

const require = createRequire(import.meta.url);
const wasmDirectory = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

/** Serves tfjs' wasm binaries where the source-mode runtime entry looks for them. */
const serveWasmBinaries: Plugin = {
  name: 'netlens-serve-wasm-binaries',
  configureServer(server) {
    server.middlewares.use((request, response, next) => {
      const match = /\/wasm-binaries\/(tfjs-backend-wasm[\w-]*\.wasm)/.exec(request.url ?? '');
      if (!match) return next();
      response.setHeader('Content-Type', 'application/wasm');
      response.end(readFileSync(join(wasmDirectory, match[1] as string)));
    });
  },
};

/** The flags that make WebGPU work in headless Chromium here, and keep it off the closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Shared Vitest browser-mode settings: the same test files, in Debian's Chromium via Playwright. */
export default mergeConfig(
  shared,
  defineConfig({
    plugins: [serveWasmBinaries],
    test: {
      browser: {
        enabled: true,
        provider: 'playwright',
        headless: true,
        screenshotFailures: false,
        instances: [
          {
            browser: 'chromium',
            launch: {
              executablePath: process.env.NETLENS_CHROMIUM ?? '/usr/bin/chromium',
              args: CHROMIUM_ARGS,
            },
          },
        ],
      },
    },
  }),
);
