import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Plugin } from 'vite';

/**
 * Builds the service worker from `entry` as `/sw.js`, with the list of every file of the build (the app
 * shell) and a version made from that list. Assets have content hashes in their names, so a new build is a
 * new list, a new version and a new cache.
 */
export function precacheServiceWorker(entry: string, publicDir: string): Plugin {
  return {
    name: 'ferry-mail:precache',
    apply: 'build',
    buildStart() {
      this.emitFile({ type: 'chunk', id: entry, fileName: 'sw.js' });
    },
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle).filter((file) => file !== 'sw.js' && !file.endsWith('.map'));
      const files = [...new Set(['index.html', ...built, ...filesIn(publicDir)])].sort();
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 12);
      const worker = bundle['sw.js'];
      if (worker?.type !== 'chunk') throw new Error('precache: the service worker chunk is missing');
      worker.code = worker.code
        .replaceAll('__PRECACHE__', JSON.stringify(files))
        .replaceAll('__VERSION__', JSON.stringify(version));
    },
  };
}

function filesIn(folder: string): string[] {
  try {
    return readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(folder, join(entry.parentPath, entry.name)).split('\\').join('/'));
  } catch {
    return [];
  }
}
