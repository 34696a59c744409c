import type { FerryClient } from '@ferry/core';
import { h } from '../dom.js';

/**
 * Offers to reload once a new version of the app is ready. Whatever the user has not sent yet is kept:
 * every change is in the device's store once `flush()` resolves, and the reloaded app sends it from there.
 */
export function offerReload(client: FerryClient, banner: HTMLElement): void {
  const reload = h('button', { type: 'button', class: 'reload' }, 'Reload');
  reload.addEventListener('click', async () => {
    reload.disabled = true;
    await client.flush();
    location.reload();
  });
  banner.replaceChildren(
    h('span', { class: 'banner-message' }, 'A new version of Ferry Mail is ready. Your unsent work is kept.'),
    reload,
  );
  banner.hidden = false;
}
