/**
 * Registers the service worker that keeps the app's shell (its HTML, scripts and styles) on the device, so
 * that the app opens without a network. The data itself comes from IndexedDB. Only in builds: the dev
 * server's modules change all the time.
 */
export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').catch((error: unknown) => {
    // The app works without it, only not after a reload while offline.
    document.body.dataset.serviceWorker = `failed: ${String(error)}`;
  });
}
