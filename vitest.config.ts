import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Tests import packages by their public names; resolve those to source so a test run never sees a stale build.
const alias = [
  { find: /^@ferry\/core$/, replacement: src('./packages/core/src/index.ts') },
  { find: /^@ferry\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
  { find: /^@ferry\/server$/, replacement: src('./packages/server/src/index.ts') },
  { find: /^@ferry\/server\/testing$/, replacement: src('./packages/server/src/testing/index.ts') },
  { find: /^@ferry\/adapters\/(.*)$/, replacement: src('./packages/adapters/src/$1/index.ts') },
];

// A deadline for a hung test, not a measure of speed: the machines that run these are shared and noisy, and
// a test that takes 2 s alone can take 6 s beside a busy neighbour. Projects do not inherit the root's test
// options, so each spreads these.
const deadlines = { testTimeout: 60_000, hookTimeout: 60_000 };

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: { ...deadlines, name: 'core', root: 'packages/core', include: ['test/**/*.test.ts'] },
      },
      {
        resolve: { alias },
        test: { ...deadlines, name: 'server', root: 'packages/server', include: ['test/**/*.test.ts'] },
      },
      {
        resolve: { alias },
        test: {
          ...deadlines,
          name: 'adapters',
          root: 'packages/adapters',
          include: ['test/**/*.test.{ts,tsx}'],
          // Bindings run against happy-dom's DOM; tests that drive Chromium choose the node environment.
          environment: 'happy-dom',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'examples',
          root: 'examples',
          // The examples' end-to-end tests drive Chromium against their built app (npm test builds first).
          include: ['*/test/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
      { resolve: { alias }, test: { ...deadlines, name: 'docs', include: ['test/**/*.test.ts'] } },
      // The benchmarks at a tiny size, against the built packages (as `npm run bench` runs them): servers are
      // child processes of the built CLI, so the clients must speak the same build. The systems they are
      // compared with are the bench's own package, installed before the first run.
      {
        test: {
          ...deadlines,
          name: 'bench',
          include: ['bench/**/*.test.ts'],
          globalSetup: ['bench/installCompetitors.ts'],
        },
      },
    ],
  },
});
