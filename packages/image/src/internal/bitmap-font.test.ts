import { describe, expect, it } from 'vitest';
import { fitText, GLYPH_HEIGHT, GLYPH_WIDTH, glyphPixel, renderTextMask } from './bitmap-font';

function glyphBitmap(character: string): string {
  const rows: string[] = [];
  for (let row = 0; row < GLYPH_HEIGHT; row++) {
    let line = '';
    for (let column = 0; column < GLYPH_WIDTH; column++)
      line += glyphPixel(character, row, column) ? '#' : '.';
    rows.push(line);
  }
  return rows.join('\n');
}

describe('bitmap font', () => {
  it('draws known glyphs pixel for pixel', () => {
    expect(glyphBitmap('A')).toBe(['.###.', '#...#', '#...#', '#...#', '#####', '#...#', '#...#'].join('\n'));
    expect(glyphBitmap('7')).toBe(['#####', '....#', '...#.', '..#..', '.#...', '.#...', '.#...'].join('\n'));
  });

  it('gives every printable ASCII character its own glyph, ink for all but space', () => {
    const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
    const bitmaps = printable.map(glyphBitmap);
    expect(new Set(bitmaps).size).toBe(95);
    printable.forEach((character, i) => {
      expect(bitmaps[i]?.includes('#'), JSON.stringify(character)).toBe(character !== ' ');
    });
  });

  it('draws unknown characters as ? and scales pixels into blocks', () => {
    expect(glyphBitmap('é')).toBe(glyphBitmap('?'));
    const mask = renderTextMask('.', 2, 14, 2);
    // '.' has ink in rows 5–6, columns 1–2 of the glyph: at scale 2 that is rows 10–13, columns 2–5,
    // clipped to the 2-pixel width (and centred: text wider than the mask starts at 0).
    expect(Array.from(mask)).toEqual([...new Array(20).fill(0), 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('shortens text with ..', () => {
    expect(fitText('saliency', 8)).toBe('saliency');
    expect(fitText('saliency', 5)).toBe('sal..');
    expect(fitText('saliency', 1)).toBe('s');
  });
});
