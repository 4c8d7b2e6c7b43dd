// Builds the page with Vite, serves it on localhost, drives Debian's Chromium with playwright-core,
// and compares each browser backend's gradient with the cpu gradient computed here in Node.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@netlens/backends';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { convNetGradient } from './src/workload.js';

const root = fileURLToPath(new URL('.', import.meta.url));
const backends = (process.env.NETLENS_BROWSER_BACKENDS ?? 'webgpu,webgl,wasm').split(',');
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

await build({ root, logLevel: 'warn' });
const server = createServer(async (request, response) => {
  const pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
  const path = pathname === '/' ? '/index.html' : pathname;
  try {
    const body = await readFile(join(root, 'dist', path));
    response.writeHead(200, { 'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream' });
    response.end(body);
  } catch {
    response.writeHead(404).end();
  }
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

await selectBackend('cpu', { readEnvironment: false });
const reference = await convNetGradient();
const scale = Math.max(...reference.values.map(Math.abs));

const browser = await chromium.launch({
  executablePath: process.env.NETLENS_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ],
});
let passed = 0;
let failed = 0;
try {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.waitForFunction(() => typeof window.runGradients === 'function', null, { timeout: 60_000 });
  const results = await page.evaluate((names) => window.runGradients(names), backends);
  for (const result of results) {
    if (!result.ok) {
      failed++;
      console.log(`FAIL ${result.backend}: ${result.reason}`);
      continue;
    }
    let worst = 0;
    for (let i = 0; i < reference.values.length; i++) {
      worst = Math.max(worst, Math.abs(result.values[i] - reference.values[i]));
    }
    const ok =
      worst <= 1e-4 * scale && result.leaked === 0 && result.values.length === reference.values.length;
    if (ok) passed++;
    else failed++;
    console.log(
      `${ok ? 'ok  ' : 'FAIL'} ${result.backend}: max |grad - cpu grad| = ${worst.toExponential(2)} (scale ${scale.toExponential(2)}), leaked ${result.leaked}; ${result.reason}`,
    );
  }
  if (errors.length > 0) console.log(`page errors: ${errors.join('; ')}`);
} finally {
  await browser.close();
  server.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
