/**
 * Bundles page.ts with esbuild and serves it on 127.0.0.1 (a secure context, so IndexedDB is there).
 * Nothing else is served; the bundle is built once per process.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const entry = fileURLToPath(new URL('./page.ts', import.meta.url));
const HTML =
  '<!doctype html><meta charset="utf-8"><title>bench</title><script type="module" src="/page.js"></script>';
let bundle: Promise<string> | undefined;

export interface ServedPage {
  readonly url: string;
  close(): Promise<void>;
}

export async function servePage(): Promise<ServedPage> {
  bundle ??= build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]!.text);
  const script = await bundle;
  const server: Server = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(HTML);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
