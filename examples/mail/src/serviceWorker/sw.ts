/**
 * The service worker: precaches the app shell at install and answers from that cache first, so the app
 * opens offline. The build fills in the list of files and a version (see vite/precache.ts); a new build
 * is a new version, which replaces the old cache as soon as it is installed, and tells the open pages that
 * it is ready (they offer to reload: see register.ts).
 */

// The DOM's types describe the page; these are the few worker types used here.
interface ExtendableEvent extends Event {
  waitUntil(promise: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Promise<Response> | Response): void;
}
interface WorkerScope {
  skipWaiting(): Promise<void>;
  readonly clients: {
    claim(): Promise<void>;
    matchAll(options: { type: 'window' }): Promise<readonly { postMessage(message: unknown): void }[]>;
  };
  readonly registration: { readonly scope: string };
  addEventListener(type: 'install' | 'activate', listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: FetchEvent) => void): void;
}

declare const __PRECACHE__: readonly string[];
declare const __VERSION__: string;

const worker = self as unknown as WorkerScope;
/** The message that tells the pages this version now serves them; register.ts listens for it. */
const VERSION_READY = 'ferry-mail:version-ready';
const CACHE = `ferry-mail-${__VERSION__}`;
const scope = new URL(worker.registration.scope);
const SHELL = new URL('index.html', scope).href;
const PRECACHED = new Set(__PRECACHE__.map((path) => new URL(path, scope).href));

worker.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      // Past the HTTP cache: a new version must not be filled with files of the one before.
      .then((cache) => cache.addAll([...PRECACHED].map((url) => new Request(url, { cache: 'reload' }))))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => worker.clients.claim())
      .then(() => worker.clients.matchAll({ type: 'window' }))
      .then((pages) => {
        for (const page of pages) page.postMessage({ type: VERSION_READY, version: __VERSION__ });
      }),
  );
});

worker.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  // Every page of the app is the same shell; the route is in the hash and the data in IndexedDB.
  if (request.mode === 'navigate') {
    event.respondWith(fromCache(SHELL, request));
    return;
  }
  const url = new URL(request.url);
  url.search = '';
  if (PRECACHED.has(url.href)) event.respondWith(fromCache(url.href, request));
});

async function fromCache(key: string, request: Request): Promise<Response> {
  const cached = await caches.match(key, { cacheName: CACHE });
  return cached ?? fetch(request);
}
