import { expect, it } from 'vitest';
import { describeOnBackends } from '../describe-on-backends';

describeOnBackends('a suite no backend can run', () => {
  it('would pass anywhere', () => {
    expect(1).toBe(1);
  });
});
