import { InvalidArgumentError } from '@netlens/backends';
import { describe, expect, it } from 'vitest';
import { thrown } from './__fixtures__/errors';
import { detectImageFormat } from './detect-image-format';

function bytes(...parts: (string | number[])[]): Uint8Array {
  return new Uint8Array(
    parts.flatMap((part) => (typeof part === 'string' ? Array.from(part, (c) => c.charCodeAt(0)) : part)),
  );
}

const PADDING = new Array(32).fill(0);

describe('detectImageFormat', () => {
  it('recognises formats by their magic bytes', () => {
    const cases: [Uint8Array, string][] = [
      [bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a], PADDING), 'png'],
      [bytes([0xff, 0xd8, 0xff, 0xe0], PADDING), 'jpeg'],
      [bytes('GIF89a', PADDING), 'gif'],
      [bytes('GIF87a', PADDING), 'gif'],
      [bytes('RIFF', [0, 0, 0, 0], 'WEBPVP8 ', PADDING), 'webp'],
      [bytes('BM', PADDING), 'bmp'],
      [bytes('II', [0x2a, 0], PADDING), 'tiff'],
      [bytes('MM', [0, 0x2a], PADDING), 'tiff'],
      [bytes([0, 0, 0, 0x1c], 'ftypavif', PADDING), 'avif'],
      [bytes([0, 0, 0, 0x18], 'ftypheic', PADDING), 'heic'],
      [bytes('hello, world', PADDING), 'unknown'],
      [bytes('RIFF', [0, 0, 0, 0], 'WAVEfmt ', PADDING), 'unknown'],
      [new Uint8Array(0), 'unknown'],
      [bytes([0x89], 'PNG'), 'unknown'],
    ];
    for (const [input, format] of cases) expect(detectImageFormat(input)).toBe(format);
  });

  it('rejects non-bytes with a typed error', () => {
    const error = thrown(() => detectImageFormat('image.png' as unknown as Uint8Array));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as InvalidArgumentError).argument).toBe('bytes');
  });
});
