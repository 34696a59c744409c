import { type FileHandle, open, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Logger } from '@ferry/core';

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
 * a page (single-page apps route on the client). Nothing outside the folder is served, symlinks included
 * (a file's real path must be inside the folder's), nor dotfiles and dot-folders (`.env`, `.git/`) other
 * than `.well-known`. A file that fails to read answers 500 for that request only.
 */
export function staticFiles(
  folder: string,
  logger: Logger,
): (request: IncomingMessage, response: ServerResponse) => Promise<boolean> {
  const root = resolve(folder);
  return async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false;
    const path = decodePath(new URL(request.url ?? '/', 'http://relay').pathname);
    if (path === undefined) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('Bad percent-encoding in the path.\n');
      return true;
    }
    if (hidden(path)) return false;
    // Resolved on every request: a deploy may swap the folder (a symlink to the new release).
    const realRoot = await realpath(root).catch(() => undefined);
    if (!realRoot) return false;
    const file = join(realRoot, path);
    const found =
      (await openInside(realRoot, file)) ??
      (await openInside(realRoot, join(file, 'index.html'))) ??
      (extname(path) === '' ? await openInside(realRoot, join(realRoot, 'index.html')) : undefined);
    if (!found) return false;
    response.statusCode = 200;
    response.setHeader('content-type', TYPES[extname(found.path)] ?? 'application/octet-stream');
    // The service worker and the page must be revalidated so an update reaches users.
    response.setHeader(
      'cache-control',
      /\/(index\.html|sw\.js)$/.test(found.path) ? 'no-cache' : 'public, max-age=300',
    );
    if (request.method === 'HEAD') {
      await found.handle.close();
      response.end();
      return true;
    }
    const stream = found.handle.createReadStream();
    stream.on('error', (error) => {
      logger.error({ err: error, file: found.path }, 'could not read a static file');
      if (response.headersSent) response.destroy();
      else response.writeHead(500, { 'content-type': 'text/plain' }).end('The file could not be read.\n');
    });
    response.on('close', () => stream.destroy());
    stream.pipe(response);
    return true;
  };
}

/** The decoded path, or undefined when its percent-encoding is bad or it holds a NUL. */
function decodePath(path: string): string | undefined {
  try {
    const decoded = decodeURIComponent(path);
    return decoded.includes('\0') ? undefined : decoded;
  } catch {
    return undefined;
  }
}

/** Whether a path names a dotfile or goes through a dot-folder (`..` included), `.well-known` aside. */
const hidden = (path: string): boolean =>
  path.split(/[/\\]/).some((segment) => segment.startsWith('.') && segment !== '.well-known');

/** Opens a regular file whose real path (symlinks resolved) is inside `realRoot` and not hidden. */
async function openInside(
  realRoot: string,
  path: string,
): Promise<{ path: string; handle: FileHandle } | undefined> {
  const real = await realpath(path).catch(() => undefined);
  if (!real?.startsWith(realRoot + sep) || hidden(relative(realRoot, real))) return undefined;
  const handle = await open(real, 'r').catch(() => undefined);
  if (!handle) return undefined;
  const isFile = await handle.stat().then(
    (stats) => stats.isFile(),
    () => false,
  );
  if (isFile) return { path: real, handle };
  await handle.close();
  return undefined;
}
