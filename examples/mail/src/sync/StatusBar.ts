import type { FerryClient } from '@ferry/core';

/**
 * The app-wide sync state: a banner while offline, and the number of records with changes the server does
 * not have yet. `pending` grows through `record` events (a record becoming unsent), so both are heard.
 */
export function showSyncStatus(client: FerryClient, banner: HTMLElement, unsent: HTMLElement): () => void {
  const sync = client.sync;
  const render = () => {
    const status = sync?.status;
    const connection = status?.connection ?? 'offline';
    document.body.dataset.connection = connection;
    banner.hidden = connection === 'online';
    banner.textContent =
      connection === 'connecting'
        ? 'Connecting…'
        : connection === 'unauthorized'
          ? `The server refused this device: ${status?.error ?? 'sign in again'}.`
          : "You're offline. Everything you do is kept on this device and sent when you reconnect.";
    const pending = status?.pending ?? 0;
    unsent.dataset.pending = String(pending);
    unsent.textContent =
      pending === 0 ? 'All changes saved' : `${pending} unsent ${pending === 1 ? 'change' : 'changes'}`;
  };
  render();
  if (!sync) return () => {};
  const offStatus = sync.on('status', render);
  const offRecord = sync.on('record', render);
  return () => {
    offStatus();
    offRecord();
  };
}
