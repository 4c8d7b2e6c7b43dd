import { seededRandom } from '@netlens/backends';

/** A seeded generator of uniform `[0, 1)` numbers and integers, identical on every backend. */
export interface RandomSource {
  /** A uniform number in `[0, 1)`. */
  uniform(): number;
  /** A uniform integer in `[low, high]`, both ends included (Python's `random.randint`). */
  integer(low: number, high: number): number;
  /** One element of `choices`, uniformly. */
  choice<T>(choices: readonly T[]): T;
  /** `size` standard normal values times `std` (Box–Muller). */
  normal(size: number, std?: number): Float32Array;
}

/** A {@link RandomSource} on mulberry32 ({@link seededRandom}), so runs repeat per seed everywhere. */
export function randomSource(seed: number): RandomSource {
  const next = seededRandom(seed);
  return {
    uniform: next,
    integer: (low, high) => low + Math.min(high - low, Math.floor(next() * (high - low + 1))),
    choice: (choices) => choices[Math.min(choices.length - 1, Math.floor(next() * choices.length))] as never,
    normal(size, std = 1) {
      const values = new Float32Array(size);
      for (let i = 0; i < size; i += 2) {
        // 1 − u lies in (0, 1], so the logarithm stays finite.
        const radius = Math.sqrt(-2 * Math.log(1 - next()));
        const angle = 2 * Math.PI * next();
        values[i] = std * radius * Math.cos(angle);
        if (i + 1 < size) values[i + 1] = std * radius * Math.sin(angle);
      }
      return values;
    },
  };
}
