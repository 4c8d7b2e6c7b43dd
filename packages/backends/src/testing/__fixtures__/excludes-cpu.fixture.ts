import { expect, it } from 'vitest';
import { describeOnBackends } from '../describe-on-backends';

describeOnBackends(
  'a suite that excludes cpu',
  () => {
    it('would pass anywhere', () => {
      expect(1).toBe(1);
    });
  },
  { exclude: { cpu: 'a stated reason' } },
);
