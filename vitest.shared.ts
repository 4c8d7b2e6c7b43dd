import { defineConfig } from 'vitest/config';

/** Shared Vitest settings: tests run against package sources through the `@netlens/source` condition. */
export default defineConfig({
  resolve: { conditions: ['@netlens/source'] },
  ssr: { resolve: { conditions: ['@netlens/source'] } },
  test: {
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    server: { deps: { inline: [/@netlens\//] } },
  },
});
