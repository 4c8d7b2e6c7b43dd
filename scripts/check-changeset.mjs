// Fails when the commits since a base change a published package's source (`packages/*/src/**`, tests
// and fixtures aside) without a changeset: an added or changed `.changeset/*.md` that names each changed
// package. An empty changeset (`npx changeset --empty`, no packages in its front matter) says "no
// release needed" for the whole range, for refactors and internal changes nobody can observe.
//
//   node scripts/check-changeset.mjs [base]                    # base: $NETLENS_CHANGESET_BASE or HEAD~1
//   node scripts/check-changeset.mjs main --include-uncommitted  # also the working tree, before a commit
//
// Compares `base...HEAD` (from the merge base, as a pull request would). Read-only git commands only.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const includeUncommitted = args.includes('--include-uncommitted');
const base = args.find((arg) => !arg.startsWith('--')) ?? process.env.NETLENS_CHANGESET_BASE ?? 'HEAD~1';

const git = (...gitArgs) =>
  execFileSync('git', gitArgs, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const lines = (text) => text.split('\n').filter(Boolean);

let resolved;
try {
  resolved = git('rev-parse', '--verify', '--quiet', `${base}^{commit}`).trim();
} catch {
  console.error(`check-changeset: cannot resolve base '${base}' (a shallow clone? fetch more history)`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const head = git('rev-parse', 'HEAD').trim();
const mergeBase = git('merge-base', resolved, head).trim();
const commits = lines(git('log', '--format=%h %s', `${mergeBase}..${head}`));

// Files changed in the range (deleted ones count: removing a source file is a change too).
const changed = new Set(lines(git('diff', '--name-only', mergeBase, head)));
const changesetFiles = new Set(
  lines(git('diff', '--name-only', '--diff-filter=AM', mergeBase, head)).filter(isChangeset),
);
if (includeUncommitted) {
  for (const file of lines(git('diff', '--name-only', 'HEAD'))) changed.add(file);
  for (const file of lines(git('ls-files', '--others', '--exclude-standard'))) changed.add(file);
  for (const file of changed) if (isChangeset(file) && existsSync(join(root, file))) changesetFiles.add(file);
}

function isChangeset(file) {
  return /^\.changeset\/[^/]+\.md$/.test(file) && file !== '.changeset/README.md';
}

/** `packages/<dir>/src/**` minus tests, type tests and fixtures → the package's directory. */
function sourcePackageDirectory(file) {
  const match = /^packages\/([^/]+)\/src\/(.+)$/.exec(file);
  if (!match) return undefined;
  const rest = match[2];
  if (/\.test(-d)?\.[cm]?[jt]sx?$/.test(rest) || /(^|\/)__fixtures__\//.test(rest)) return undefined;
  return match[1];
}

const changedPackages = new Map();
for (const file of changed) {
  const directory = sourcePackageDirectory(file);
  if (!directory) continue;
  const manifestPath = join(root, 'packages', directory, 'package.json');
  if (!existsSync(manifestPath)) continue;
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.private) continue;
  const files = changedPackages.get(manifest.name) ?? [];
  files.push(file);
  changedPackages.set(manifest.name, files);
}

/** The package names in a changeset's front matter (`"@netlens/x": minor`). */
function changesetPackages(file) {
  const text = readFileSync(join(root, file), 'utf8');
  const frontMatter = /^---\r?\n([\s\S]*?)\r?\n?---/.exec(text);
  if (!frontMatter) return null;
  return lines(frontMatter[1])
    .map((line) => /^\s*["']?([^"':]+)["']?\s*:\s*(major|minor|patch)\s*$/.exec(line)?.[1])
    .filter(Boolean);
}

console.log(`check-changeset: ${base} (${mergeBase.slice(0, 7)})..HEAD (${head.slice(0, 7)})`);
for (const commit of commits) console.log(`  commit ${commit}`);
if (includeUncommitted) console.log('  + uncommitted and untracked files');
const covered = new Set();
let empty = false;
const malformed = [];
for (const file of changesetFiles) {
  const names = changesetPackages(file);
  if (names === null) {
    malformed.push(file);
    continue;
  }
  if (names.length === 0) empty = true;
  for (const name of names) covered.add(name);
  console.log(`  changeset ${file}: ${names.length > 0 ? names.join(', ') : '(empty: no release)'}`);
}
if (changesetFiles.size === 0) console.log('  no changeset added or changed');

let passed = 0;
let failed = 0;
for (const file of malformed) {
  failed++;
  console.log(`FAIL ${file} has no front matter (write it with \`npx changeset\`)`);
}
for (const [name, files] of changedPackages) {
  const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? `, … (${files.length} files)` : '');
  if (covered.has(name) || empty) {
    passed++;
    console.log(
      `ok   ${name}: ${shown} — ${covered.has(name) ? 'has a changeset' : 'covered by an empty changeset'}`,
    );
  } else {
    failed++;
    console.log(`FAIL ${name}: ${shown} changed without a changeset naming it; run \`npx changeset\``);
    console.log('     (or `npx changeset --empty` for a change no user can observe)');
  }
}
if (changedPackages.size === 0) console.log('no published package source changed');
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
