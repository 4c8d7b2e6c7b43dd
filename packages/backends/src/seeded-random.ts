/**
 * A seeded uniform generator (mulberry32) in `[0, 1)`, identical on every backend and runtime because
 * it never touches tfjs' own random ops. Algorithms draw noise and jitter from it so results repeat
 * per seed; tests and benchmarks draw weights and inputs from it.
 *
 * ```ts
 * const next = seededRandom(42);
 * const u = next(); // same sequence in every browser and in Node
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` seeded values uniform in `[low, high)`. */
export function seededValues(size: number, seed: number, low = -1, high = 1): Float32Array {
  const next = seededRandom(seed);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = low + (high - low) * next();
  return values;
}
