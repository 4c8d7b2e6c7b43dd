import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { sampleDigits } from './__fixtures__/mnist-digits';

// Node only (the browser run excludes *.node.test.ts): the committed digits are the `mnist`
// package's, at the indices that packages/models lists as held out.
it('holds the first held-out digit of each class of the mnist package', () => {
  const mnist = createRequire(import.meta.url)('mnist') as { raw: number[] }[];
  const { heldOut } = JSON.parse(
    readFileSync(new URL('../../models/assets/mnist/heldout.json', import.meta.url), 'utf8'),
  ) as { heldOut: Record<string, number[]> };
  const expected: number[] = [];
  for (let digit = 0; digit < 10; digit++) {
    const index = heldOut[String(digit)]?.[0] as number;
    expected.push(...(mnist[digit] as { raw: number[] }).raw.slice(index * 784, (index + 1) * 784));
  }
  expect(Array.from(sampleDigits())).toEqual(Array.from(Float32Array.from(expected)));
});
