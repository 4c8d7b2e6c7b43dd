// Sums the results every test runner printed (Vitest's "Tests  N passed | M failed" lines and the
// plain "N passed, M failed" lines of our scripts) into one closing line.
import { readFileSync } from 'node:fs';

const text = readFileSync(process.argv[2] ?? 0, 'utf8').replace(
  new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'),
  '',
);
let passed = 0;
let failed = 0;
let skipped = 0;
for (const line of text.split('\n')) {
  const vitest = /\bTests\s+(.*)$/.exec(line);
  const plain = /(?:^|\s)(\d+) passed, (\d+) failed\s*$/.exec(line);
  if (vitest && /\d+ (passed|failed)/.test(vitest[1])) {
    passed += Number(/(\d+) passed/.exec(vitest[1])?.[1] ?? 0);
    failed += Number(/(\d+) failed/.exec(vitest[1])?.[1] ?? 0);
    skipped += Number(/(\d+) skipped/.exec(vitest[1])?.[1] ?? 0);
  } else if (plain) {
    passed += Number(plain[1]);
    failed += Number(plain[2]);
  }
}
if (passed + failed === 0) {
  console.error('No test results found in the log.');
  process.exit(1);
}
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);
