import { describeOnBackends, expectNoLeak } from '@netlens/backends/testing';
import { expect, it } from 'vitest';
import { averageRanks, spearmanCorrelation } from './rank-correlation';

describeOnBackends('spearmanCorrelation', () => {
  it('gives tied values the average of their ranks', async () => {
    await expectNoLeak(() => {
      expect(Array.from(averageRanks([10, 20, 20, 30]))).toEqual([1, 2.5, 2.5, 4]);
      expect(Array.from(averageRanks([3, 1, 3, 3, 0]))).toEqual([4, 2, 4, 4, 1]);
    });
  });

  it('matches hand-computed values, with ties', async () => {
    await expectNoLeak(() => {
      // Ranks [1, 2.5, 2.5, 4] and [1, 3, 2, 4]: covariance 4.5, variances 4.5 and 5 → 4.5 / √22.5.
      expect(spearmanCorrelation([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
      expect(spearmanCorrelation([1, 2, 3, 4], [10, 20, 30, 1000])).toBeCloseTo(1, 12);
      expect(spearmanCorrelation([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
      // Ranks [1, 2, 3, 4, 5] and [2, 5, 3.5, 1, 3.5]: covariance −1, variances 10 and 9.5.
      expect(spearmanCorrelation([1, 2, 3, 4, 5], [2, 9, 5, 1, 5])).toBeCloseTo(-1 / Math.sqrt(95), 12);
    });
  });

  it('is NaN for a constant sample and rejects different lengths', async () => {
    await expectNoLeak(() => {
      expect(spearmanCorrelation([1, 1, 1], [1, 2, 3])).toBeNaN();
      expect(() => spearmanCorrelation([1, 2], [1, 2, 3])).toThrow(RangeError);
    });
  });
});
