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

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      { resolve: { alias }, test: { name: 'core', root: 'packages/core', include: ['test/**/*.test.ts'] } },
      {
        resolve: { alias },
        test: { name: 'server', root: 'packages/server', include: ['test/**/*.test.ts'] },
      },
      { resolve: { alias }, test: { name: 'docs', include: ['test/**/*.test.ts'] } },
    ],
  },
});
