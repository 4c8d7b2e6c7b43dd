import { InvalidArgumentError } from '@netlens/backends';

/** What {@link corpusBleu} returns. */
export interface BleuResult {
  /** BLEU-`maxOrder`: the brevity penalty times the geometric mean of the 1…`maxOrder`-gram precisions. */
  bleu: number;
  /** BLEU-1 … BLEU-`maxOrder` (cumulative, uniform weights, same brevity penalty). */
  bleuByOrder: number[];
  /** Modified (clipped) n-gram precision of each order, 1-grams first. */
  precisions: number[];
  /** `1` when the hypotheses are longer than the references, else `exp(1 − r / c)`. */
  brevityPenalty: number;
  /** Total hypothesis length `c`. */
  hypothesisLength: number;
  /** Effective reference length `r`: per hypothesis, the closest reference length (shorter on ties). */
  referenceLength: number;
}

function ngramCounts(tokens: readonly string[], order: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + order <= tokens.length; i++) {
    const key = tokens.slice(i, i + order).join('\u0000');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function isTokenList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((token) => typeof token === 'string');
}

/**
 * Corpus-level BLEU (Papineni et al.): n-gram matches are clipped by the most occurrences in any one
 * reference and summed over the whole corpus before dividing, and one brevity penalty is computed
 * from the total lengths. Same definition and tie-breaking as NLTK's `corpus_bleu` without smoothing
 * (a precision of zero gives BLEU 0).
 *
 * ```ts
 * const references = [[['a', 'red', 'seven'], ['a', 'seven', 'in', 'red']]];
 * const { bleu, bleuByOrder } = corpusBleu(references, [['a', 'red', 'seven']]);
 * ```
 * Sources: Papineni, Roukos, Ward and Zhu 2002, "BLEU: a Method for Automatic Evaluation of Machine
 * Translation"; NLTK `nltk.translate.bleu_score.corpus_bleu`.
 * @param references - for each hypothesis, its tokenized references (`string[][]`), or a single
 * tokenized reference (`string[]`).
 * @param hypotheses - tokenized generated captions.
 * @param maxOrder - the longest n-gram. Default 4.
 * @returns BLEU-`maxOrder`, every cumulative BLEU-n, the precisions and the brevity penalty.
 * @throws InvalidArgumentError for mismatched or empty inputs.
 */
export function corpusBleu(
  references: readonly (readonly string[])[] | readonly (readonly (readonly string[])[])[],
  hypotheses: readonly (readonly string[])[],
  maxOrder = 4,
): BleuResult {
  if (!Array.isArray(hypotheses) || !hypotheses.every(isTokenList)) {
    throw new InvalidArgumentError('hypotheses', 'an array of token arrays', typeof hypotheses);
  }
  if (!Array.isArray(references) || references.length !== hypotheses.length) {
    throw new InvalidArgumentError(
      'references',
      `one entry per hypothesis (${hypotheses.length})`,
      Array.isArray(references) ? `${references.length} entries` : typeof references,
    );
  }
  if (hypotheses.length === 0)
    throw new InvalidArgumentError('hypotheses', 'at least one hypothesis', 'none');
  if (!(Number.isInteger(maxOrder) && maxOrder >= 1)) {
    throw new InvalidArgumentError('maxOrder', 'a positive integer', String(maxOrder));
  }
  const referenceSets = references.map((entry, i) => {
    const set = isTokenList(entry) ? [entry] : entry;
    if (!Array.isArray(set) || set.length === 0 || !set.every(isTokenList)) {
      throw new InvalidArgumentError(
        `references[${i}]`,
        'a token array or a non-empty array of token arrays',
        typeof entry,
      );
    }
    return set as readonly string[][];
  });
  const matches = new Array<number>(maxOrder).fill(0);
  const totals = new Array<number>(maxOrder).fill(0);
  let hypothesisLength = 0;
  let referenceLength = 0;
  hypotheses.forEach((hypothesis, i) => {
    const refs = referenceSets[i] as readonly string[][];
    hypothesisLength += hypothesis.length;
    referenceLength += refs
      .map((ref) => ref.length)
      .reduce((best, length) => {
        const distance = Math.abs(length - hypothesis.length);
        const bestDistance = Math.abs(best - hypothesis.length);
        return distance < bestDistance || (distance === bestDistance && length < best) ? length : best;
      });
    for (let order = 1; order <= maxOrder; order++) {
      const maxReferenceCounts = new Map<string, number>();
      for (const ref of refs) {
        for (const [gram, count] of ngramCounts(ref, order)) {
          maxReferenceCounts.set(gram, Math.max(maxReferenceCounts.get(gram) ?? 0, count));
        }
      }
      for (const [gram, count] of ngramCounts(hypothesis, order)) {
        matches[order - 1] =
          (matches[order - 1] as number) + Math.min(count, maxReferenceCounts.get(gram) ?? 0);
      }
      totals[order - 1] = (totals[order - 1] as number) + Math.max(0, hypothesis.length - order + 1);
    }
  });
  const precisions = matches.map((match, k) => (totals[k] ? match / (totals[k] as number) : 0));
  const brevityPenalty =
    hypothesisLength === 0
      ? 0
      : hypothesisLength > referenceLength
        ? 1
        : Math.exp(1 - referenceLength / hypothesisLength);
  const bleuByOrder = precisions.map((_, k) => {
    const used = precisions.slice(0, k + 1);
    if (used.some((precision) => precision === 0)) return 0;
    return brevityPenalty * Math.exp(used.reduce((sum, precision) => sum + Math.log(precision), 0) / (k + 1));
  });
  return {
    bleu: bleuByOrder[maxOrder - 1] as number,
    bleuByOrder,
    precisions,
    brevityPenalty,
    hypothesisLength,
    referenceLength,
  };
}
