import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../../../vitest.shared';

// Runs only the fresh-process fixture that gradient-support.node.test.ts spawns, one backend a run.
export default mergeConfig(
  shared,
  defineConfig({ test: { include: ['src/__fixtures__/gradient-support-fresh.fixture.ts'] } }),
);
