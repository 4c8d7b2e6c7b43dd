import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared';

// The reliability suite: bad input of every kind to every public algorithm, on each backend.
export default mergeConfig(shared, defineConfig({ root: __dirname, test: { include: ['*.test.ts'] } }));
