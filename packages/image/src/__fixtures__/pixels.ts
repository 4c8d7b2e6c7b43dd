/** A deterministic RGBA test pattern with gradients, edges and varied alpha. */
export function testPattern(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data[i] = (x * 255) / Math.max(1, width - 1);
      data[i + 1] = (y * 255) / Math.max(1, height - 1);
      data[i + 2] = (x * 7 + y * 13) % 256;
      data[i + 3] = 255 - ((x + y) % 4) * 60;
    }
  }
  return data;
}

/** The float values a decoder should produce for 8-bit samples, as a plain array. */
export function levels(samples: ArrayLike<number>, maxValue = 255): number[] {
  return Array.from(samples, (sample) => sample / maxValue);
}

/** Picks channels `channels` (indices into each `stride`-sample pixel) from interleaved samples. */
export function pickChannels(samples: ArrayLike<number>, stride: number, channels: number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < samples.length; i += stride)
    for (const c of channels) out.push(samples[i + c] as number);
  return out;
}
