import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../../../../vitest.shared';

// Runs only the zero-backends fixture, for the describeOnBackends self-test.
export default mergeConfig(
  shared,
  defineConfig({ test: { include: ['src/testing/__fixtures__/*.fixture.ts'] } }),
);
