/**
 * Every TypeScript block in the README and the guides runs as a test, so the docs cannot drift from the code.
 * A line `// → a, b` after a statement that logs says what it logs: the test waits for the next
 * console.log and compares its arguments with those expressions, evaluated where the comment stands.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const runDir = join(root, 'docs', '.run');
const files = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface DocsHarness {
  expectLog(expected: unknown[]): Promise<void>;
}

function blocksOf(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const pattern = /^```ts\n([\s\S]*?)^```/gm;
  for (const match of markdown.matchAll(pattern)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1]! });
  }
  return blocks;
}

function instrument(code: string): string {
  const body = code.replace(
    /^(\s*)\/\/ → (.*)$/gm,
    '$1await (globalThis as any).__ferryDocs.expectLog([$2]);',
  );
  return `${body}\nexport {};\n`;
}

mkdirSync(runDir, { recursive: true });
afterAll(() => rmSync(runDir, { recursive: true, force: true }));

for (const file of files) {
  const blocks = blocksOf(readFileSync(join(root, file), 'utf8'));
  if (blocks.length === 0) continue;
  describe(file, () => {
    blocks.forEach(({ line, code }, i) => {
      it(`runs the example at line ${line}`, async () => {
        const logs: unknown[][] = [];
        let wake: (() => void) | undefined;
        const original = console.log;
        console.log = (...args: unknown[]) => {
          logs.push(args);
          wake?.();
        };
        let seen = 0;
        const harness: DocsHarness = {
          async expectLog(expected) {
            while (logs.length <= seen) {
              await new Promise<void>((resolve, reject) => {
                wake = resolve;
                setTimeout(
                  () => reject(new Error(`${file}:${line}: expected a log of ${JSON.stringify(expected)}`)),
                  5000,
                );
              });
            }
            expect(logs[seen++], `${file}:${line}`).toEqual(expected);
          },
        };
        (globalThis as { __ferryDocs?: DocsHarness }).__ferryDocs = harness;
        const path = join(runDir, `${basename(file, '.md')}-${i}.ts`);
        writeFileSync(path, instrument(code));
        try {
          await import(/* @vite-ignore */ path);
          expect(logs.length, `${file}:${line}: logs without a "// →" line`).toBe(seen);
        } finally {
          console.log = original;
        }
      });
    });
  });
}
