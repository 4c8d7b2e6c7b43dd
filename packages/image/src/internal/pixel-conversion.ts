/** Decoded samples straight from a codec, before conversion to float. */
export interface DecodedPixels {
  width: number;
  height: number;
  /** Interleaved samples, `stride` per pixel: RGB (3) or RGBA (4). */
  data: Uint8Array | Uint16Array;
  stride: 3 | 4;
  /** The sample value that means 1.0 (255, 65535, or 2^bitDepth − 1 for low-depth grey PNGs). */
  maxValue: number;
  /** False when the file stores grey levels (R = G = B in `data`). */
  color: boolean;
  /** Whether the file has any transparency (alpha channel or tRNS). */
  alpha: boolean;
}

/** How channels are produced from a decoded file. */
export interface ChannelOptions {
  colorMode: 'rgb' | 'grayscale' | 'source';
  alpha: 'drop' | 'composite' | 'keep';
  background: readonly [number, number, number];
}

/** Float pixels `[height, width, channels]` in [0, 1]. */
export interface FloatPixels {
  width: number;
  height: number;
  channels: number;
  data: Float32Array;
}

// ITU-R BT.601 luma, the weights PIL's convert('L') uses.
const LUMA_R = 0.299;
const LUMA_G = 0.587;
const LUMA_B = 0.114;

/**
 * Converts codec samples to float NHWC pixels in one pass of plain JS: on the cpu backend this is
 * two orders of magnitude faster than slicing and casting the same data with tensor ops.
 */
export function toFloatPixels(decoded: DecodedPixels, options: ChannelOptions): FloatPixels {
  const { width, height, data, stride, maxValue } = decoded;
  const gray = options.colorMode === 'grayscale' || (options.colorMode === 'source' && !decoded.color);
  const keepAlpha = options.alpha === 'keep';
  const composite = options.alpha === 'composite' && decoded.alpha && stride === 4;
  const channels = (gray ? 1 : 3) + (keepAlpha ? 1 : 0);
  const [backgroundR, backgroundG, backgroundB] = options.background;
  const pixelCount = width * height;
  const out = new Float32Array(pixelCount * channels);
  for (
    let pixel = 0, source = 0, target = 0;
    pixel < pixelCount;
    pixel++, source += stride, target += channels
  ) {
    let r = (data[source] as number) / maxValue;
    let g = (data[source + 1] as number) / maxValue;
    let b = (data[source + 2] as number) / maxValue;
    const a = stride === 4 ? (data[source + 3] as number) / maxValue : 1;
    if (composite) {
      r = a * r + (1 - a) * backgroundR;
      g = a * g + (1 - a) * backgroundG;
      b = a * b + (1 - a) * backgroundB;
    }
    if (gray) {
      // Grey files keep their exact level; weighting R = G = B would add rounding error.
      out[target] = decoded.color || composite ? LUMA_R * r + LUMA_G * g + LUMA_B * b : r;
      if (keepAlpha) out[target + 1] = a;
    } else {
      out[target] = r;
      out[target + 1] = g;
      out[target + 2] = b;
      if (keepAlpha) out[target + 3] = a;
    }
  }
  return { width, height, channels, data: out };
}

/**
 * Applies an EXIF orientation (1–8) so that the result is upright as a viewer would show it.
 * Orientations 5–8 swap width and height.
 */
export function applyOrientation(pixels: FloatPixels, orientation: number): FloatPixels {
  if (orientation <= 1 || orientation > 8) return pixels;
  const { width, height, channels, data } = pixels;
  const transposed = orientation >= 5;
  const outWidth = transposed ? height : width;
  const outHeight = transposed ? width : height;
  const out = new Float32Array(data.length);
  for (let y = 0; y < outHeight; y++) {
    for (let x = 0; x < outWidth; x++) {
      let sourceY: number;
      let sourceX: number;
      switch (orientation) {
        case 2: // mirrored horizontally
          sourceY = y;
          sourceX = width - 1 - x;
          break;
        case 3: // rotated 180°
          sourceY = height - 1 - y;
          sourceX = width - 1 - x;
          break;
        case 4: // mirrored vertically
          sourceY = height - 1 - y;
          sourceX = x;
          break;
        case 5: // transposed
          sourceY = x;
          sourceX = y;
          break;
        case 6: // stored rotated 90° counter-clockwise: rotate clockwise to display
          sourceY = height - 1 - x;
          sourceX = y;
          break;
        case 7: // transversed
          sourceY = height - 1 - x;
          sourceX = width - 1 - y;
          break;
        default: // 8: stored rotated 90° clockwise: rotate counter-clockwise to display
          sourceY = x;
          sourceX = width - 1 - y;
          break;
      }
      const from = (sourceY * width + sourceX) * channels;
      const to = (y * outWidth + x) * channels;
      for (let channel = 0; channel < channels; channel++) out[to + channel] = data[from + channel] as number;
    }
  }
  return { width: outWidth, height: outHeight, channels, data: out };
}
