import { type FerryClient, SHOW_WORK_AFTER_MS, type SyncStatus } from '@ferry/core';
import { h } from '../dom.js';

/**
 * The app-wide sync state: a banner that says why mail is not reaching the server (no network, the server
 * out of reach, the sign-in refused), with "Retry now" when the server is out of reach, and the number of
 * records with changes the server does not have yet. `pending` grows through `record` events (a record
 * becoming unsent), so both are heard.
 */
export function showSyncStatus(client: FerryClient, banner: HTMLElement, unsent: HTMLElement): () => void {
  const sync = client.sync;
  const message = h('span', { class: 'banner-message' });
  const retry = h('button', { type: 'button', class: 'retry' }, 'Retry now');
  retry.addEventListener('click', () => sync?.connect());
  banner.replaceChildren(message, retry);
  // The countdown to the next attempt moves once a second, only while the server is out of reach.
  let ticking: ReturnType<typeof setInterval> | undefined;
  // The client starts `connecting`: like any connecting, it is shown only if it lasts long enough to read.
  let starting = true;
  const started = setTimeout(() => {
    starting = false;
    render();
  }, SHOW_WORK_AFTER_MS);
  const render = () => {
    const status = sync?.status;
    const state = status?.state ?? 'stopped';
    document.body.dataset.connection = status?.connection ?? 'offline';
    document.body.dataset.syncState = state;
    banner.hidden = state === 'synced' || state === 'syncing' || (starting && state === 'connecting');
    retry.hidden = state !== 'unreachable';
    const text = status ? bannerText(status) : 'This device keeps your mail to itself: no server is set.';
    if (message.textContent !== text) message.textContent = text;
    if (state === 'unreachable') ticking ??= setInterval(render, 1000);
    else {
      clearInterval(ticking);
      ticking = undefined;
    }
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
    clearTimeout(started);
    clearInterval(ticking);
    offStatus();
    offRecord();
  };
}

/** What the banner says in each situation: what is wrong, and what happens to the user's work meanwhile. */
function bannerText(status: SyncStatus): string {
  switch (status.state) {
    case 'offline':
      return "You're offline. Everything you do is kept on this device and sent when you're back online.";
    case 'unreachable': {
      const seconds = Math.ceil(((status.nextRetryAt?.getTime() ?? 0) - Date.now()) / 1000);
      const when = seconds > 0 ? `in ${seconds} s` : 'now';
      return `Can't reach the server. Your work is kept on this device; trying again ${when}.`;
    }
    case 'unauthorized':
      return `The server refused this device's sign-in (${status.error ?? 'no reason given'}). Sign in again to send your changes.`;
    case 'stopped':
      return status.error
        ? `Syncing stopped: ${status.error}`
        : 'Syncing is paused. Everything you do is kept on this device.';
    case 'connecting':
      return 'Connecting to the server…';
    default:
      return '';
  }
}
