import { InvalidArgumentError } from '@netlens/backends';
import { describe, expect, it } from 'vitest';
import { Vocabulary } from './vocabulary';

// Pure JS (no tensors), so one run covers every backend.
describe('Vocabulary', () => {
  const vocabulary = new Vocabulary(['a', 'red', 'seven']);

  it("puts CS231n's specials first: <NULL> 0, <START> 1, <END> 2, <UNK> 3", () => {
    expect(vocabulary.idxToWord).toEqual(['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'red', 'seven']);
    expect([vocabulary.nullId, vocabulary.startId, vocabulary.endId, vocabulary.unkId]).toEqual([0, 1, 2, 3]);
    expect(vocabulary.wordToIdx.get('seven')).toBe(6);
    expect(vocabulary.size).toBe(7);
  });

  it('encodes with <START>, <END>, <UNK> and <NULL> padding to maxLength + 2, and decodes back', () => {
    expect(vocabulary.encode('A red  seven', 5)).toEqual([1, 4, 5, 6, 2, 0, 0]);
    expect(vocabulary.encode('a blue seven')).toEqual([1, 4, 3, 6, 2]);
    expect(vocabulary.encode('a red seven a red', 2)).toEqual([1, 4, 5, 2]);
    expect(vocabulary.decode([1, 4, 5, 6, 2, 0, 0])).toBe('a red seven');
    expect(vocabulary.decode([4, 0, 5, 2, 6, 6])).toBe('a red');
    expect(vocabulary.decode(Int32Array.from([6, 6]))).toBe('seven seven');
  });

  it('reads a complete idx_to_word list (CS231n JSON) with optional specials', () => {
    const coco = Vocabulary.fromIdxToWord(['<NULL>', '<START>', '<END>', '<UNK>', 'a', 'man']);
    expect(coco.encode('a man')).toEqual([1, 4, 5, 2]);
    const tiny = Vocabulary.fromIdxToWord(['<NULL>', 'cat', 'dog']);
    expect([tiny.size, tiny.nullId, tiny.startId, tiny.endId]).toEqual([3, 0, -1, -1]);
    expect(() => tiny.encode('cat')).toThrow(InvalidArgumentError);
  });

  it('rejects duplicates, specials among the words, whitespace, bad ids and bad lengths', () => {
    expect(() => new Vocabulary(['a', 'a'])).toThrow(/unique/);
    expect(() => new Vocabulary(['<END>'])).toThrow(InvalidArgumentError);
    expect(() => new Vocabulary(['two words'])).toThrow(InvalidArgumentError);
    expect(() => Vocabulary.fromIdxToWord(['cat'])).toThrow(/<NULL>/);
    expect(() => vocabulary.decode([4, 99])).toThrow(/ids\[1\]/);
    expect(() => vocabulary.encode('a', -1)).toThrow(/maxLength/);
  });
});
