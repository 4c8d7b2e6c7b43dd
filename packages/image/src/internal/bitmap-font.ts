/**
 * A 5×7 bitmap font for printable ASCII, so that grid labels render in Node without a canvas.
 * Each glyph is seven rows of five bits, written as 14 hex digits; bit 4 is the leftmost pixel.
 */
const GLYPHS: Readonly<Record<string, string>> = {
  ' ': '00000000000000',
  '!': '04040404040004',
  '"': '0a0a0a00000000',
  '#': '0a0a1f0a1f0a0a',
  $: '040f140e051e04',
  '%': '18190204081303',
  '&': '0c12140815120d',
  "'": '0c040800000000',
  '(': '02040808080402',
  ')': '08040202020408',
  '*': '0004150e150400',
  '+': '0004041f040400',
  ',': '000000000c0408',
  '-': '0000001f000000',
  '.': '00000000000c0c',
  '/': '00010204081000',
  '0': '0e11131519110e',
  '1': '040c040404040e',
  '2': '0e11010204081f',
  '3': '1f02040201110e',
  '4': '02060a121f0202',
  '5': '1f101e0101110e',
  '6': '0608101e11110e',
  '7': '1f010204080808',
  '8': '0e11110e11110e',
  '9': '0e11110f01020c',
  ':': '000c0c000c0c00',
  ';': '000c0c000c0408',
  '<': '02040810080402',
  '=': '00001f001f0000',
  '>': '08040201020408',
  '?': '0e110102040004',
  '@': '0e11010d15150e',
  A: '0e1111111f1111',
  B: '1e11111e11111e',
  C: '0e11101010110e',
  D: '1c12111111121c',
  E: '1f10101e10101f',
  F: '1f10101e101010',
  G: '0e11101711110f',
  H: '1111111f111111',
  I: '0e04040404040e',
  J: '0702020202120c',
  K: '11121418141211',
  L: '1010101010101f',
  M: '111b1515111111',
  N: '11111915131111',
  O: '0e11111111110e',
  P: '1e11111e101010',
  Q: '0e11111115120d',
  R: '1e11111e141211',
  S: '0f10100e01011e',
  T: '1f040404040404',
  U: '1111111111110e',
  V: '11111111110a04',
  W: '1111111515150a',
  X: '11110a040a1111',
  Y: '1111110a040404',
  Z: '1f01020408101f',
  '[': '0e08080808080e',
  '\\': '00100804020100',
  ']': '0e02020202020e',
  '^': '040a1100000000',
  _: '0000000000001f',
  '`': '08040200000000',
  a: '00000e010f110f',
  b: '1010161911111e',
  c: '00000e1010110e',
  d: '01010d1311110f',
  e: '00000e111f100e',
  f: '0609081c080808',
  g: '000f11110f010e',
  h: '10101619111111',
  i: '04000c0404040e',
  j: '0200060202120c',
  k: '10101214181412',
  l: '0c04040404040e',
  m: '00001a15151111',
  n: '00001619111111',
  o: '00000e1111110e',
  p: '00001e111e1010',
  q: '00000d130f0101',
  r: '00001619101010',
  s: '00000e100e011e',
  t: '08081c08080906',
  u: '0000111111130d',
  v: '00001111110a04',
  w: '0000111115150a',
  x: '0000110a040a11',
  y: '000011110f010e',
  z: '00001f0204081f',
  '{': '02040408040402',
  '|': '04040404040404',
  '}': '08040402040408',
  '~': '00000815020000',
};

/** Glyph width in font pixels. */
export const GLYPH_WIDTH = 5;
/** Glyph height in font pixels. */
export const GLYPH_HEIGHT = 7;
/** Horizontal advance per character, glyph plus one column of spacing. */
export const GLYPH_ADVANCE = GLYPH_WIDTH + 1;

function glyphRows(character: string): string {
  return GLYPHS[character] ?? (GLYPHS['?'] as string);
}

/** Whether font pixel (`row`, `column`) of `character` is ink. Characters outside printable ASCII draw as `?`. */
export function glyphPixel(character: string, row: number, column: number): boolean {
  const rows = glyphRows(character);
  const bits = Number.parseInt(rows.slice(row * 2, row * 2 + 2), 16);
  return ((bits >> (GLYPH_WIDTH - 1 - column)) & 1) === 1;
}

/** Shortens `text` with a trailing `..` so that it fits in `maxCharacters`. */
export function fitText(text: string, maxCharacters: number): string {
  if (text.length <= maxCharacters) return text;
  if (maxCharacters <= 2) return text.slice(0, Math.max(0, maxCharacters));
  return `${text.slice(0, maxCharacters - 2)}..`;
}

/**
 * Renders one line of text, centred horizontally, into a coverage mask of `height × width`
 * (1 = ink, 0 = background). Each font pixel becomes a `scale × scale` block; text that does not
 * fit is shortened with `..`.
 */
export function renderTextMask(text: string, width: number, height: number, scale: number): Float32Array {
  const mask = new Float32Array(width * height);
  const maxCharacters = Math.floor((width + scale) / (GLYPH_ADVANCE * scale));
  const line = fitText(text, maxCharacters);
  const textWidth = line.length * GLYPH_ADVANCE * scale - scale;
  const left = Math.max(0, Math.floor((width - textWidth) / 2));
  const top = Math.max(0, Math.floor((height - GLYPH_HEIGHT * scale) / 2));
  for (let index = 0; index < line.length; index++) {
    const character = line[index] as string;
    const x0 = left + index * GLYPH_ADVANCE * scale;
    for (let row = 0; row < GLYPH_HEIGHT; row++) {
      for (let column = 0; column < GLYPH_WIDTH; column++) {
        if (!glyphPixel(character, row, column)) continue;
        for (let dy = 0; dy < scale; dy++) {
          const y = top + row * scale + dy;
          if (y >= height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const x = x0 + column * scale + dx;
            if (x < width) mask[y * width + x] = 1;
          }
        }
      }
    }
  }
  return mask;
}
