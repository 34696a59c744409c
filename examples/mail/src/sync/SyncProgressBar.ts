import type { DownloadProgress, FerryClient } from '@ferry/core';

/**
 * A catch-up this large is worth a bar from its first moment (a first sync of a big mailbox, or a return
 * after long offline); a smaller one is over before a bar could be read, and shows none.
 */
export const SHOW_PROGRESS_FROM_RECORDS = 500;

/** How long "up to date" stays on the bar once a catch-up is over, so that its end is seen. */
const DONE_SHOWN_MS = 1500;

/**
 * A bar under the header while a large catch-up sync comes in: messages and bytes received of what the
 * server announced. `data-state` is `loading` then `done`; the bar hides a moment after it is done.
 */
export function showSyncProgress(client: FerryClient, container: HTMLElement): () => void {
  const sync = client.sync;
  if (!sync) return () => {};
  const label = document.createElement('span');
  label.className = 'sync-progress-label';
  const bar = document.createElement('progress');
  container.replaceChildren(label, bar);
  let hideTimer: ReturnType<typeof setTimeout> | undefined;
  let shown: DownloadProgress | undefined;

  const render = () => {
    const download = sync.progress.download;
    if (!download || download === shown) return;
    // A catch-up that began too small for a bar, or one whose end was shown already.
    if (download.totalRecords < SHOW_PROGRESS_FROM_RECORDS || (download.done && !shown)) return;
    shown = download.done ? undefined : download;
    clearTimeout(hideTimer);
    bar.max = Math.max(download.totalRecords, 1);
    bar.value = download.records;
    container.dataset.state = download.done ? 'done' : 'loading';
    container.dataset.records = String(download.records);
    container.dataset.total = String(download.totalRecords);
    label.textContent = download.done
      ? `Up to date: ${count(download.totalRecords)} items on this device`
      : `Getting your mail: ${count(download.records)} of ${count(download.totalRecords)} items (${megabytes(download.bytes)} of ${megabytes(download.totalBytes)} MB)`;
    container.hidden = false;
    if (download.done) hideTimer = setTimeout(() => (container.hidden = true), DONE_SHOWN_MS);
  };
  render();
  const off = sync.on('progress', render);
  return () => {
    clearTimeout(hideTimer);
    off();
  };
}

const count = (n: number) => n.toLocaleString('en');
const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(1);
