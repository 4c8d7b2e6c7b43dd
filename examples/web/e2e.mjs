// End-to-end test of the web demo in a real browser: builds it with Vite, serves dist/ on localhost,
// drives Debian's headless Chromium (playwright-core) on each backend, and checks what a person
// would see. Screenshots go to artifacts/e2e/ at the repository root.
//
//   node examples/web/e2e.mjs            (NETLENS_E2E_BACKENDS=webgpu,webgl,wasm by default)
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const artifacts = fileURLToPath(new URL('../../artifacts/e2e/', import.meta.url));
mkdirSync(artifacts, { recursive: true });
const backends = (process.env.NETLENS_E2E_BACKENDS ?? 'webgpu,webgl,wasm').split(',');
const METHODS = ['vanilla', 'smoothgrad', 'ig', 'gradcam', 'occlusion'];
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.png': 'image/png',
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

const browser = await chromium.launch({
  executablePath: process.env.NETLENS_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--enable-unsafe-webgpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
  ],
});
let passed = 0;
let failed = 0;
const check = (ok, message) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${message}`);
};

/** Pixel statistics of a canvas, and its mean absolute difference from another of the same size. */
function canvasStats([id, otherId]) {
  const read = (canvasId) => {
    const canvas = document.getElementById(canvasId);
    const context = canvas.getContext('2d');
    return { data: context.getImageData(0, 0, canvas.width, canvas.height).data, width: canvas.width };
  };
  const { data, width } = read(id);
  const other = read(otherId);
  let sum = 0;
  let squares = 0;
  let difference = 0;
  for (let i = 0; i < data.length; i += 4) {
    const grey = (data[i] + data[i + 1] + data[i + 2]) / 3;
    sum += grey;
    squares += grey * grey;
    if (other.width === width) {
      for (let c = 0; c < 3; c++) difference += Math.abs(data[i + c] - other.data[i + c]);
    }
  }
  const n = data.length / 4;
  return { std: Math.sqrt(squares / n - (sum / n) ** 2), difference: difference / (3 * n), width };
}

try {
  for (const backend of backends) {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`http://127.0.0.1:${port}/?backend=${backend}`);
    try {
      await page.waitForSelector(`#backend-status[data-active="${backend}"]`, { timeout: 90_000 });
      await page.waitForSelector('#prediction[data-top]', { timeout: 60_000 });
    } catch {
      check(false, `${backend}: the page did not start (${await page.textContent('#backend-status')})`);
      await page.close();
      continue;
    }
    check(
      (await page.getAttribute('#prediction', 'data-top')) === '3',
      `${backend}: the bundled digit 3 is shown and classified as 3 (${await page.textContent('#prediction')})`,
    );
    // A person uploads their own image: the bundled digit 7, through the file input.
    await page.setInputFiles(
      '#image-file',
      fileURLToPath(new URL('../../packages/models/assets/samples/mnist-7.png', import.meta.url)),
    );
    await page.waitForSelector('#prediction[data-top="7"]', { timeout: 30_000 }).then(
      () => check(true, `${backend}: an uploaded digit 7 is classified as 7`),
      () => check(false, `${backend}: an uploaded digit 7 is not classified as 7`),
    );
    for (const method of METHODS) {
      await page.selectOption('#saliency-method', method);
      await page.click('#saliency-run');
      await page.waitForSelector('#saliency-status:is([data-status="done"], [data-status="error"])', {
        timeout: 120_000,
      });
      const status = await page.getAttribute('#saliency-status', 'data-status');
      const stats = await page.evaluate(canvasStats, ['saliency-canvas', 'input-canvas']);
      await page
        .locator('#saliency')
        .screenshot({ path: join(artifacts, `${backend}-saliency-${method}.png`) });
      check(
        status === 'done' && stats.width === 28 && stats.std > 10 && stats.difference > 10,
        `${backend} ${method}: heatmap drawn (${await page.textContent('#saliency-status')}); std ${stats.std.toFixed(1)}, mean |heatmap − input| ${stats.difference.toFixed(1)} levels`,
      );
    }
    // The fooling image: digit 7 pushed to 8 must be classified as 8 and differ from the original.
    await page.selectOption('#fooling-target', '8');
    await page.click('#fooling-run');
    await page.waitForSelector('#fooling-status:is([data-status="done"], [data-status="error"])', {
      timeout: 120_000,
    });
    const fooled = await page.evaluate(() => {
      const canvas = document.getElementById('fooling-canvas');
      return { predicted: canvas.dataset.predicted, target: canvas.dataset.target };
    });
    const foolingStats = await page.evaluate(canvasStats, ['fooling-canvas', 'fooling-original']);
    await page.locator('#fooling').screenshot({ path: join(artifacts, `${backend}-fooling.png`) });
    check(
      fooled.predicted === '8' &&
        fooled.target === '8' &&
        foolingStats.std > 10 &&
        foolingStats.difference > 1,
      `${backend} fooling: the fooling image is classified as the target (${await page.textContent('#fooling-status')}; ${await page.textContent('#fooling-caption')}); mean |fooled − original| ${foolingStats.difference.toFixed(1)} levels`,
    );
    // The class visualization grows live: the canvas is redrawn with new pictures while it runs (each
    // step's picture is recorded as it happens, so a fast backend cannot finish between two looks),
    // and the objective rises.
    await page.evaluate(() => {
      const canvas = document.getElementById('classviz-canvas');
      window.classvizFrames = new Set();
      new MutationObserver(() => window.classvizFrames.add(canvas.toDataURL())).observe(canvas, {
        attributes: true,
        attributeFilter: ['data-steps'],
      });
    });
    await page.selectOption('#classviz-class', '2');
    await page.fill('#classviz-steps', '60');
    await page.click('#classviz-run');
    await page.waitForSelector('#classviz-status:is([data-status="done"], [data-status="error"])', {
      timeout: 300_000,
    });
    const frames = await page.evaluate(() => window.classvizFrames.size);
    const grown = await page.evaluate(() => ({ ...document.getElementById('classviz-canvas').dataset }));
    await page.locator('#classviz').screenshot({ path: join(artifacts, `${backend}-classviz.png`) });
    check(
      frames >= 3 && Number(grown.objectiveRise) > 0 && Number(grown.probability) > 0.5,
      `${backend} classviz: the image grew live (${frames} different pictures during ${await page.textContent('#classviz-status')}); objective rose by ${Number(grown.objectiveRise).toFixed(2)}; p(2) = ${Number(grown.probability).toFixed(3)}`,
    );
    // A caption appears for the strip 7 _ 6 3, naming its digits in order, with a map per word.
    await page.click('#caption-run');
    await page.waitForSelector('#caption-status:is([data-status="done"], [data-status="error"])', {
      timeout: 300_000,
    });
    const captioned = await page.getAttribute('#caption-text', 'data-caption');
    const wordMaps = await page.locator('#caption-words canvas').count();
    await page.locator('#captioning').screenshot({ path: join(artifacts, `${backend}-captioning.png`) });
    check(
      /^three digits .*seven.*six.*three/.test(captioned ?? '') && wordMaps === 4,
      `${backend} captioning: "${captioned}", ${wordMaps} word maps (${await page.textContent('#caption-status')})`,
    );
    await page.screenshot({ path: join(artifacts, `${backend}-page.png`), fullPage: true });
    check(errors.length === 0, `${backend}: no page errors${errors.length ? ` (${errors.join('; ')})` : ''}`);
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`web demo e2e: ${passed} passed, ${failed} failed (screenshots in artifacts/e2e/)`);
process.exit(failed > 0 ? 1 : 0);
