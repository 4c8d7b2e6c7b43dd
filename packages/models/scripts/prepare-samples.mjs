// Makes the 224×224 sample photos in packages/models/assets/samples/ from scikit-image's data
// directory (public-domain and CC0 photos; see assets/samples/README.md for each licence).
//
//   cd /tmp && apt-get download python3-skimage && dpkg -x python3-skimage_*.deb /tmp/skimage
//   node packages/models/scripts/prepare-samples.mjs /tmp/skimage/usr/lib/python3/dist-packages/skimage/data
//
// Each photo is center-cropped to a square on its short side, then downscaled with an area
// (box) filter, which averages every source pixel a target pixel covers and so does not alias.
// A PNG is kept when it is under 150 KB, otherwise a quality-92 JPEG.

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

const SIZE = 224;
const MAX_BYTES = 150 * 1024;
const sources = ['astronaut.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'];
const dataDirectory = process.argv[2];
if (!dataDirectory) throw new Error('Usage: node prepare-samples.mjs <skimage/data directory>');
const outputDirectory = join(dirname(fileURLToPath(import.meta.url)), '..', 'assets', 'samples');

function decode(path) {
  const bytes = readFileSync(path);
  const { width, height, data } = path.endsWith('.png')
    ? PNG.sync.read(bytes)
    : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { width, height, data };
}

/** Center square crop, then area-average each target pixel over the source region it covers. */
function cropAndResize({ width, height, data }) {
  const side = Math.min(width, height);
  const left = (width - side) / 2;
  const top = (height - side) / 2;
  const scale = side / SIZE;
  const out = Buffer.alloc(SIZE * SIZE * 4);
  for (let y = 0; y < SIZE; y++) {
    const y0 = top + y * scale;
    const y1 = y0 + scale;
    for (let x = 0; x < SIZE; x++) {
      const x0 = left + x * scale;
      const x1 = x0 + scale;
      const sum = [0, 0, 0];
      let total = 0;
      for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
        const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
        for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) {
          const weight = wy * (Math.min(x1, sx + 1) - Math.max(x0, sx));
          const offset = (sy * width + sx) * 4;
          for (let c = 0; c < 3; c++) sum[c] += weight * data[offset + c];
          total += weight;
        }
      }
      const target = (y * SIZE + x) * 4;
      for (let c = 0; c < 3; c++) out[target + c] = Math.round(sum[c] / total);
      out[target + 3] = 255;
    }
  }
  return out;
}

for (const source of sources) {
  const image = decode(join(dataDirectory, source));
  const pixels = cropAndResize(image);
  const name = source.replace(/\.(png|jpg)$/, '');
  const png = new PNG({ width: SIZE, height: SIZE });
  pixels.copy(png.data);
  const pngBytes = PNG.sync.write(png, { colorType: 2 });
  if (pngBytes.length < MAX_BYTES) {
    writeFileSync(join(outputDirectory, `${name}.png`), pngBytes);
    console.log(`${name}.png: ${image.width}×${image.height} → ${SIZE}×${SIZE}, ${pngBytes.length} bytes`);
  } else {
    const jpegBytes = jpeg.encode({ width: SIZE, height: SIZE, data: pixels }, 92).data;
    writeFileSync(join(outputDirectory, `${name}.jpg`), jpegBytes);
    console.log(`${name}.jpg: ${image.width}×${image.height} → ${SIZE}×${SIZE}, ${jpegBytes.length} bytes`);
  }
}
