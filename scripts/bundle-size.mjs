// The browser cost of each package: its built `dist/index.js` bundled the way an app's bundler would
// (esbuild, minified ESM for the browser, every `@tensorflow/*` package external since the app ships
// tfjs-core anyway), gzipped, and compared with bundle-budgets.json. Two numbers per package: `own`
// (other `@netlens/*` packages external too) and `bundle` (with the `@netlens/*` packages it imports).
// Then a tree-shaking check: importing `vanillaGradient` from `@netlens/saliency` must not bring code
// unique to `integratedGradients` or `occlusion`, and importing those must (so the check can fail).
// Run after `npm run build`.
//
//   node scripts/bundle-size.mjs            # check against bundle-budgets.json
//   node scripts/bundle-size.mjs --update   # rewrite the budgets to measured size + 15%, rounded up to 100 B
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const budgetsPath = join(root, 'bundle-budgets.json');
/** Packages with a browser entry (`cli` is Node-only). Algorithm packages are measured once built. */
const PACKAGES = ['backends', 'image', 'models', 'saliency', 'adversarial', 'classviz', 'captioning'];
const HEADROOM = 1.15;
const update = process.argv.includes('--update');

async function gzippedSize(stdin, external) {
  const result = await build({
    stdin: { ...stdin, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external,
    write: false,
    logLevel: 'silent',
    // Where an app would resolve `@netlens/*` from: the workspace links in the root node_modules.
    absWorkingDir: root,
  });
  const code = result.outputFiles[0].contents;
  return {
    text: Buffer.from(code).toString('utf8'),
    minified: code.length,
    gzip: gzipSync(code, { level: 9 }).length,
  };
}

const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const budgets = existsSync(budgetsPath) ? JSON.parse(readFileSync(budgetsPath, 'utf8')) : {};
const measured = {};
const rows = [];
let failed = 0;
let passed = 0;

for (const short of PACKAGES) {
  const directory = join(root, 'packages', short);
  const entry = join(directory, 'dist', 'index.js');
  const name = `@netlens/${short}`;
  if (!existsSync(entry)) {
    if (budgets[name]) {
      rows.push([name, 'not built', '', '', '', 'FAIL']);
      failed++;
    } else {
      console.log(`skip ${name}: no dist/index.js and no budget yet`);
    }
    continue;
  }
  // Re-export everything, as an app importing all of it would; the entry's own code is what we measure.
  const stdin = { contents: `export * from ${JSON.stringify(entry)};`, resolveDir: root };
  const own = await gzippedSize(stdin, ['@tensorflow/*', '@netlens/*']);
  const bundle = await gzippedSize(stdin, ['@tensorflow/*']);
  measured[name] = { own: own.gzip, bundle: bundle.gzip };
  const budget = budgets[name];
  let verdict = 'ok';
  if (!budget) verdict = 'no budget';
  else if (own.gzip > budget.own || bundle.gzip > budget.bundle) verdict = 'OVER';
  if (verdict === 'ok') passed++;
  else if (!update) failed++;
  rows.push([
    name,
    `${kB(own.minified)} / ${kB(own.gzip)}`,
    budget ? kB(budget.own) : '-',
    `${kB(bundle.minified)} / ${kB(bundle.gzip)}`,
    budget ? kB(budget.bundle) : '-',
    verdict,
  ]);
}

const header = ['package', 'own min / gzip', 'budget', 'with @netlens deps min / gzip', 'budget', ''];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
const line = (row) => row.map((cell, i) => cell.padEnd(widths[i])).join('  ');
console.log('browser bundles (esbuild --minify, @tensorflow/* external, gzip -9)');
console.log(line(header));
for (const row of rows) console.log(line(row));

// Tree shaking: one import must not drag in the others.
const SALIENCY_MARKERS = {
  // Literals found only in integrated-gradients.ts (its options check) and internal/ig-quadrature.ts
  // (its module-level list of rules), and in occlusion.ts (its options check).
  integratedGradients: ['options.numSteps', 'gausslegendre'],
  occlusion: ['options.stride'],
};
const saliencyEntry = join(root, 'packages', 'saliency', 'dist', 'index.js');
if (existsSync(saliencyEntry)) {
  const bundleOf = (names) =>
    gzippedSize({ contents: `export { ${names.join(', ')} } from '@netlens/saliency';`, resolveDir: root }, [
      '@tensorflow/*',
    ]);
  const vanilla = await bundleOf(['vanillaGradient']);
  for (const [method, markers] of Object.entries(SALIENCY_MARKERS)) {
    const alone = await bundleOf([method]);
    for (const marker of markers) {
      const leaks = vanilla.text.includes(marker);
      const present = alone.text.includes(marker);
      const ok = !leaks && present;
      if (ok) passed++;
      else failed++;
      console.log(
        `${ok ? 'ok  ' : 'FAIL'} tree shaking: vanillaGradient alone (${kB(vanilla.gzip)}) ` +
          `${leaks ? 'CONTAINS' : 'has no'} '${marker}' from ${method}; ` +
          `${method} alone (${kB(alone.gzip)}) ${present ? 'has' : 'LACKS'} it`,
      );
    }
  }
} else {
  console.log('FAIL tree shaking: packages/saliency/dist/index.js is missing (build first)');
  failed++;
}

if (update) {
  const next = { ...budgets };
  for (const [name, sizes] of Object.entries(measured)) {
    next[name] = {
      own: Math.ceil((sizes.own * HEADROOM) / 100) * 100,
      bundle: Math.ceil((sizes.bundle * HEADROOM) / 100) * 100,
    };
  }
  writeFileSync(budgetsPath, `${JSON.stringify(next, null, 2)}\n`);
  console.log(`wrote ${budgetsPath} (measured + ${Math.round((HEADROOM - 1) * 100)}%)`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
