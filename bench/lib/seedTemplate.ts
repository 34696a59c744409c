/**
 * Seeding a store with 10,000 documents takes seconds; doing it once per size and copying the result for
 * each server start keeps the run short. Templates live in the folder given to keepTemplatesIn (run.ts
 * shares one with every workload process and removes it at the end) or in a temporary folder removed at exit.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let root: string | undefined;

export function keepTemplatesIn(dir: string | undefined): void {
  root = dir ? join(dir, 'templates') : undefined;
}

function templatesRoot(): string {
  if (!root) {
    const own = mkdtempSync(join(tmpdir(), 'bench-templates-'));
    process.once('exit', () => rmSync(own, { recursive: true, force: true }));
    root = own;
  }
  mkdirSync(root, { recursive: true });
  return root;
}

/** A fresh folder holding a copy of what `seed` wrote into the template named `key` (seeded on first use). */
export async function seededCopy(key: string, seed: (dir: string) => Promise<void> | void): Promise<string> {
  const template = join(templatesRoot(), key.replace(/[^a-z0-9-]+/gi, '-'));
  // The marker is written last: a template left half-written by a failed workload is seeded again.
  const complete = `${template}.complete`;
  if (!existsSync(complete)) {
    rmSync(template, { recursive: true, force: true });
    mkdirSync(template);
    await seed(template);
    writeFileSync(complete, '');
  }
  const copy = mkdtempSync(join(tmpdir(), 'bench-store-'));
  cpSync(template, copy, { recursive: true });
  return copy;
}
