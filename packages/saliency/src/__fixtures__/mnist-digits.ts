import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface MnistDigit {
  raw: number[];
}

const PIXELS = 28 * 28;

/**
 * The first held-out MNIST digit of each class (the digits of `packages/models/assets/samples/mnist-<d>.png`),
 * as `[10 · 784]` pixels in `[0, 1]`, digit d at index d.
 */
export function sampleDigits(): Float32Array {
  const mnist = createRequire(import.meta.url)('mnist') as MnistDigit[];
  const heldOut = JSON.parse(
    readFileSync(new URL('../../../models/assets/mnist/heldout.json', import.meta.url), 'utf8'),
  ) as { heldOut: Record<string, number[]> };
  const rows: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const index = heldOut.heldOut[String(digit)]?.[0] ?? 0;
    rows.push(...(mnist[digit] as MnistDigit).raw.slice(index * PIXELS, (index + 1) * PIXELS));
  }
  return Float32Array.from(rows);
}
