import { describe, expect, it } from 'vitest';
import { corpusBleu } from './bleu';

// Pure JS (no tensors), so one run covers every backend.
describe('corpusBleu', () => {
  // NLTK's corpus_bleu docstring example (nltk/translate/bleu_score.py).
  const hyp1 =
    'It is a guide to action which ensures that the military always obeys the commands of the party'.split(
      ' ',
    );
  const ref1a =
    'It is a guide to action that ensures that the military will forever heed Party commands'.split(' ');
  const ref1b =
    'It is the guiding principle which guarantees the military forces always being under the command of the Party'.split(
      ' ',
    );
  const ref1c = 'It is the practical guide for the army always to heed the directions of the party'.split(
    ' ',
  );
  const hyp2 = 'he read the book because he was interested in world history'.split(' ');
  const ref2a = 'he was interested in world history because he read the book'.split(' ');

  it('reproduces NLTK: BLEU-1 0.9655172413793104, BLEU-2 0.8242803277698696, BLEU-4 0.5920778868801042', () => {
    const result = corpusBleu([[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2]);
    // By hand: c = 18 + 11 = 29; closest references 18 (ref1b) and 11, so r = 29 and BP = 1.
    // 1-grams: hyp1 matches 17 of 18 ("obeys" is in no reference), hyp2 all 11 → 28 / 29.
    expect(result.hypothesisLength).toBe(29);
    expect(result.referenceLength).toBe(29);
    expect(result.brevityPenalty).toBe(1);
    expect(result.precisions[0]).toBeCloseTo(28 / 29, 14);
    expect(result.bleuByOrder[0]).toBeCloseTo(0.9655172413793104, 12);
    expect(result.bleuByOrder[1]).toBeCloseTo(0.8242803277698696, 12);
    expect(result.bleu).toBeCloseTo(0.5920778868801042, 12);
  });

  it('clips repeated words and applies the brevity penalty (hand-computed)', () => {
    // Papineni's example: "the the the the the the the" against "the cat is on the mat" → p1 = 2/7.
    const clipped = corpusBleu([['the', 'cat', 'is', 'on', 'the', 'mat']], [new Array(7).fill('the')], 1);
    expect(clipped.precisions[0]).toBeCloseTo(2 / 7, 14);
    expect(clipped.brevityPenalty).toBe(1);
    // A 3-word hypothesis against a 6-word reference: every n-gram matches, BP = exp(1 − 6/3) = e⁻¹.
    const short = corpusBleu([['a', 'red', 'seven', 'and', 'a', 'two']], [['a', 'red', 'seven']], 3);
    expect(short.precisions).toEqual([1, 1, 1]);
    expect(short.bleu).toBeCloseTo(Math.exp(-1), 14);
    // Equal distances pick the shorter reference (NLTK): lengths 2 and 4 for a 3-word hypothesis → r = 2.
    const tie = corpusBleu(
      [
        [
          ['a', 'b'],
          ['a', 'b', 'c', 'd'],
        ],
      ],
      [['a', 'b', 'c']],
      2,
    );
    expect(tie.referenceLength).toBe(2);
    expect(tie.brevityPenalty).toBe(1);
    // p2 = 2/2 ("a b", "b c" both in the 4-word reference), p1 = 1 → BLEU-2 = 1.
    expect(tie.bleu).toBe(1);
  });

  it('is 1 for identical corpora and 0 when some order has no match', () => {
    const captions = [['a', 'red', 'seven', 'next', 'to', 'a', 'blue', 'two']];
    expect(corpusBleu(captions, captions).bleu).toBe(1);
    expect(corpusBleu([['a', 'b', 'c', 'd']], [['d', 'c', 'b', 'a']]).bleu).toBe(0);
  });

  it('rejects mismatched lengths and empty corpora', () => {
    expect(() => corpusBleu([['a']], [['a'], ['b']])).toThrow(/references/);
    expect(() => corpusBleu([], [])).toThrow(/hypotheses/);
    expect(() => corpusBleu([['a']], [['a']], 0)).toThrow(/maxOrder/);
  });
});
