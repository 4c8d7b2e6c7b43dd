// Runs every example script into a temporary folder and checks what it printed and wrote:
// the expected prediction, no tensors left, and real PNGs. Prints "N passed, M failed".
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const EXAMPLES = {
  'saliency.mjs': {
    pngs: ['gradcam.png', 'integrated-gradients.png'],
    check: (result) => result.predicted === 3 && Math.abs(result.convergenceDelta) < 0.05,
  },
  'adversarial.mjs': {
    pngs: ['fooling.png'],
    check: (result) =>
      result.fooledInto === 8 &&
      result.success &&
      result.fgsmSuccess[0] === 0 &&
      result.fgsmSuccess.every((rate, i, rates) => i === 0 || rate >= rates[i - 1]),
  },
  'classviz.mjs': {
    pngs: ['classviz.png'],
    check: (result) =>
      result.probabilityOfOwnClass.every((p) => p >= 0.9) && result.objectiveRise.every((rise) => rise > 0),
  },
  'captioning.mjs': {
    pngs: [],
    // The strip "_ 4 _ 2": the caption names four, then two; the count word draws on the two filled slots.
    check: (result) =>
      /^two digits .*four.*two/.test(result.caption) &&
      result.firstWordAttributionPerSlot[1] > result.firstWordAttributionPerSlot[0] &&
      result.firstWordAttributionPerSlot[3] > result.firstWordAttributionPerSlot[2],
  },
};

let passed = 0;
let failed = 0;
for (const [script, expected] of Object.entries(EXAMPLES)) {
  const out = mkdtempSync(join(tmpdir(), 'netlens-example-'));
  try {
    const lines = execFileSync(
      process.execPath,
      [join(here, script), join(here, '../../packages/models/assets/samples/mnist-3.png'), out],
      {
        encoding: 'utf8',
      },
    )
      .trim()
      .split('\n');
    const result = JSON.parse(lines.at(-1));
    const pngsOk = expected.pngs.every(
      (name) => readFileSync(join(out, name)).subarray(1, 4).toString() === 'PNG',
    );
    const ok = expected.check(result) && result.tensors === 0 && pngsOk;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${script}: ${lines.at(-1)}${pngsOk ? '' : ' (missing PNGs)'}`);
    if (ok) passed++;
    else failed++;
  } catch (error) {
    failed++;
    console.log(`FAIL ${script}: ${error.message}`);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
console.log(`node examples: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
