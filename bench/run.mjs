#!/usr/bin/env node
// `npm run bench -- <suite> [options]`: runs bench/<suite>.mjs with the options. Suites print a
// Markdown table; see BENCHMARKS.md for the recorded results and the commands that made them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const suites = readdirSync(here)
  .filter((file) => file.endsWith('.mjs') && file !== 'run.mjs')
  .map((file) => file.replace(/\.mjs$/, ''));
const [suite, ...rest] = process.argv.slice(2);
if (!suite || !suites.includes(suite)) {
  console.error(`Usage: npm run bench -- <suite> [options]\nSuites: ${suites.join(', ')}`);
  process.exit(suite ? 1 : 0);
}
const script = new URL(`${suite}.mjs`, import.meta.url);
if (!existsSync(script)) process.exit(1);
const result = spawnSync(process.execPath, [fileURLToPath(script), ...rest], { stdio: 'inherit' });
process.exit(result.status ?? 1);
