/**
 * Ranks of `values` from 1 (smallest) to `n` (largest); tied values share the average of the
 * ranks they span, so `[10, 20, 20, 30]` ranks `[1, 2.5, 2.5, 4]` (SciPy's `rankdata` `'average'`).
 * @param values - any finite numbers.
 * @returns the 1-based average ranks, in the order of `values`.
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: values.length }, (_, index) => index);
  order.sort((a, b) => (values[a] as number) - (values[b] as number));
  const ranks = new Float64Array(values.length);
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    const value = values[order[start] as number] as number;
    while (end < order.length && values[order[end] as number] === value) end++;
    // Positions start..end−1 hold ranks start+1..end; their mean is (start + 1 + end) / 2.
    const rank = (start + 1 + end) / 2;
    for (let position = start; position < end; position++) ranks[order[position] as number] = rank;
    start = end;
  }
  return ranks;
}

/**
 * Spearman's rank correlation: the Pearson correlation of the average ranks of `a` and `b`
 * (ties get average ranks, as in SciPy's `spearmanr`).
 * @param a - the first sample.
 * @param b - the second sample, as long as `a`.
 * @returns a value in `[−1, 1]`, or `NaN` when either sample is constant (its ranks have no variance)
 *   or the samples are shorter than 2.
 */
export function spearmanCorrelation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`Samples differ in length: ${a.length} and ${b.length}.`);
  return pearsonCorrelation(averageRanks(a), averageRanks(b));
}

/** Pearson's correlation of two equally long samples; `NaN` when either has no variance. */
function pearsonCorrelation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  if (n < 2) return Number.NaN;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i++) {
    meanA += a[i] as number;
    meanB += b[i] as number;
  }
  meanA /= n;
  meanB /= n;
  let covariance = 0;
  let varianceA = 0;
  let varianceB = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    covariance += da * db;
    varianceA += da * da;
    varianceB += db * db;
  }
  if (varianceA === 0 || varianceB === 0) return Number.NaN;
  return Math.max(-1, Math.min(1, covariance / Math.sqrt(varianceA * varianceB)));
}
