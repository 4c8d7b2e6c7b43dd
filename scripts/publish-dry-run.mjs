// `npm publish --dry-run` of every non-private workspace package, as `changeset publish` would run it
// (build first: `npm run build`). Fails on an npm error, on a warning that npm had to correct the
// manifest, on a package without its built entry points, and on tests or fixtures in the tarball.
// Prints each package's tarball size, unpacked size and file count: its install footprint.
//
//   node scripts/publish-dry-run.mjs [package…]    # default: every package under packages/ not private
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Files that must never ship. */
const UNWANTED = [/\.test\.[cm]?[jt]sx?$/, /\.test-d\.[cm]?tsx?$/, /(^|\/)__fixtures__\//, /(^|\/)\.turbo\//];
/** npm stderr lines that are expected in a dry run on a machine without npm credentials. */
const HARMLESS = [/requires you to be logged in/, /Unknown user config/, /^npm notice/];

const requested = process.argv.slice(2).map((arg) => (arg.startsWith('@') ? arg : `@netlens/${arg}`));
const packages = readdirSync(join(root, 'packages'))
  .map((directory) => join(root, 'packages', directory))
  .filter((directory) => existsSync(join(directory, 'package.json')))
  .map((directory) => ({
    directory,
    manifest: JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private)
  .filter(({ manifest }) => requested.length === 0 || requested.includes(manifest.name));

/** Every file an `exports`/`main`/`module`/`types`/`bin` field points at. */
function entryFiles(manifest) {
  const files = new Set();
  const visit = (value) => {
    if (typeof value === 'string') {
      if (!value.includes('*')) files.add(value.replace(/^\.\//, ''));
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) if (key !== '@netlens/source') visit(inner);
    }
  };
  visit(manifest.exports);
  for (const field of ['main', 'module', 'types']) if (manifest[field]) visit(manifest[field]);
  visit(manifest.bin);
  return files;
}

const kB = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const rows = [];
let passed = 0;
let failed = 0;
for (const { directory, manifest } of packages) {
  const problems = [];
  let result;
  const npm = spawnSync('npm', ['publish', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: directory,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const stderr = npm.stderr ?? '';
  if (npm.status !== 0) {
    problems.push(
      `npm publish --dry-run exited ${npm.status}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
    );
  } else {
    const parsed = JSON.parse(npm.stdout);
    result = parsed[manifest.name] ?? parsed;
  }
  if (result) {
    const paths = new Set(result.files.map((file) => file.path));
    const missing = [...entryFiles(manifest)].filter((file) => !paths.has(file));
    if (missing.length > 0) problems.push(`entry points missing from the tarball: ${missing.join(', ')}`);
    const unwanted = [...paths].filter((path) => UNWANTED.some((pattern) => pattern.test(path)));
    if (unwanted.length > 0) {
      problems.push(
        `tests or fixtures in the tarball: ${unwanted.slice(0, 5).join(', ')}${unwanted.length > 5 ? ', …' : ''}`,
      );
    }
    const largest = [...result.files].sort((a, b) => b.size - a.size).slice(0, 3);
    rows.push([
      manifest.name,
      manifest.version,
      kB(result.size),
      kB(result.unpackedSize),
      String(result.entryCount ?? result.files.length),
      largest.map((file) => `${file.path} ${kB(file.size)}`).join(', '),
    ]);
  }
  // npm prints "npm warn publish npm auto-corrected some errors in your package.json" and similar.
  for (const line of stderr.split('\n')) {
    if (/^npm (warn|error)/.test(line) && !HARMLESS.some((pattern) => pattern.test(line)))
      problems.push(line);
  }
  if (problems.length > 0) {
    failed++;
    for (const problem of problems) console.log(`FAIL ${manifest.name}: ${problem}`);
  } else {
    passed++;
  }
}

const header = ['package', 'version', 'tarball', 'unpacked', 'files', 'largest files'];
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
console.log('npm publish --dry-run (install footprint of each package itself, dependencies not counted)');
console.log(header.map((cell, i) => cell.padEnd(widths[i])).join('  '));
for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i])).join('  '));
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
