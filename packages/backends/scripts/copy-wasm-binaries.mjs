// Copies tfjs-backend-wasm's binaries next to the built runtime entry, so that browser bundlers
// resolve `new URL('../wasm-binaries/…', import.meta.url)` and ship them with the app.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const source = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
const target = new URL('../dist/wasm-binaries/', import.meta.url);
mkdirSync(target, { recursive: true });
for (const file of [
  'tfjs-backend-wasm.wasm',
  'tfjs-backend-wasm-simd.wasm',
  'tfjs-backend-wasm-threaded-simd.wasm',
]) {
  copyFileSync(join(source, 'dist', file), new URL(file, target));
}
