import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface MnistDigit {
  raw: number[];
}

const PIXELS = 28 * 28;

/**
 * The first `perClass` held-out MNIST digits of each class (the first of each is the digit of
 * `packages/models/assets/samples/mnist-<d>.png`), as `[10 · perClass · 784]` pixels in `[0, 1]`,
 * ordered digit by digit, with their labels.
 */
export function heldOutDigits(perClass = 1): { pixels: Float32Array; labels: number[] } {
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const heldOut = JSON.parse(
    readFileSync(new URL('../../../models/assets/mnist/heldout.json', import.meta.url), 'utf8'),
  ) as { heldOut: Record<string, number[]> };
  const rows: number[] = [];
  const labels: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    for (const index of (heldOut.heldOut[String(digit)] ?? []).slice(0, perClass)) {
      rows.push(...(mnist[digit] as MnistDigit).raw.slice(index * PIXELS, (index + 1) * PIXELS));
      labels.push(digit);
    }
  }
  return { pixels: Float32Array.from(rows), labels };
}
