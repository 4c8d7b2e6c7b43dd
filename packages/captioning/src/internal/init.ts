import { seededRandom } from '@netlens/backends';

/** `size` standard normal values (Box–Muller on a seeded uniform stream), scaled by `scale`. */
export function seededNormal(size: number, seed: number, scale = 1): Float32Array {
  const next = seededRandom(seed);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - next()));
    const angle = 2 * Math.PI * next();
    values[i] = scale * radius * Math.cos(angle);
    if (i + 1 < size) values[i + 1] = scale * radius * Math.sin(angle);
  }
  return values;
}
