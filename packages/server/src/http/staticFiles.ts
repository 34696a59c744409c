import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves a built web app from a folder: files by path, and `index.html` for any other path that looks like
 * a page (single-page apps route on the client). Paths cannot leave the folder.
 */
export function staticFiles(
  folder: string,
): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const root = resolve(folder);
  return async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://relay').pathname);
    const file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) return false;
    const found = (await fileAt(file)) ?? (await fileAt(join(file, 'index.html')));
    const target = found ?? (extname(path) === '' ? await fileAt(join(root, 'index.html')) : undefined);
    if (!target) return false;
    response.writeHead(200, {
      'content-type': TYPES[extname(target)] ?? 'application/octet-stream',
      // The service worker and the page must be revalidated so an update reaches users.
      'cache-control': /\/(index\.html|sw\.js)$/.test(target) ? 'no-cache' : 'public, max-age=300',
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(target).pipe(response);
    return true;
  };
}

async function fileAt(path: string): Promise<string | undefined> {
  try {
    return (await stat(path)).isFile() ? path : undefined;
  } catch {
    return undefined;
  }
}
