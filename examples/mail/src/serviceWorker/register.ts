/**
 * Registers the service worker that keeps the app's shell (its HTML, scripts and styles) on the device, so
 * that the app opens without a network. The data itself comes from IndexedDB. Only in builds: the dev
 * server's modules change all the time.
 *
 * A new build deployed while the app is open is installed in the background (the browser checks on its
 * own; the app asks again when the network comes back, when the app is shown again, and every half hour).
 * Once it serves this page, `onUpdate` is called: the page runs the old build until it reloads.
 */
export function registerServiceWorker(onUpdate: () => void): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  const workers = navigator.serviceWorker;
  // A page that no worker served at load gets its first worker now: that is an install, not an update.
  let served = workers.controller !== null;
  workers.addEventListener('message', (event: MessageEvent<unknown>) => {
    if ((event.data as { type?: unknown } | null)?.type !== VERSION_READY) return;
    if (served) onUpdate();
    served = true;
  });
  workers
    .register('/sw.js')
    .then((registration) => {
      const check = () => void registration.update().catch(() => {});
      addEventListener('online', check);
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') check();
      });
      setInterval(check, CHECK_EVERY_MS);
    })
    .catch((error: unknown) => {
      // The app works without it, only not after a reload while offline.
      document.body.dataset.serviceWorker = `failed: ${String(error)}`;
    });
}

/** Sent by sw.ts when a version has taken over the pages. */
const VERSION_READY = 'ferry-mail:version-ready';

const CHECK_EVERY_MS = 30 * 60_000;
