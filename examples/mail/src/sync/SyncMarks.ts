import type { FerryClient, RecordHandle } from '@ferry/core';

/**
 * Where a record's latest changes are, as a user cares about it:
 * - `saving`: just changed, being written to this device;
 * - `unsent`: safe on this device, not yet at the server (offline, or about to leave);
 * - `sending`: the server has it and is committing it;
 * - `saved`: the server committed it; every other device gets it;
 * - `refused`: the server refused it (no write access); the record shows what the server holds.
 */
export type Mark = 'saving' | 'unsent' | 'sending' | 'saved' | 'refused';

export const MARK_LABELS: Record<Mark, string> = {
  saving: 'Saving…',
  unsent: 'Saved on this device',
  sending: 'Sending…',
  saved: 'Saved',
  refused: 'Not allowed: undone',
};

/**
 * Follows the mark of every record: Ferry says `local`, `sent`, `saved` or `rejected`; the device's own store adds
 * whether a `local` change is safe on the device yet.
 */
export class SyncMarks {
  /** Records whose latest change is not yet in the device's store. */
  readonly #storing = new Set<string>();
  readonly #listeners = new Set<(name: string) => void>();
  /** Listeners of one record's mark each: a badge hears its own record only. */
  readonly #recordListeners = new Map<string, Set<() => void>>();

  constructor(client: FerryClient) {
    client.documents.on('change', ({ name, local }) => {
      if (!local || name.startsWith('~') || this.#storing.has(name)) return;
      this.#storing.add(name);
      this.#emit(name);
      void client.flush().then(() => {
        this.#storing.delete(name);
        this.#emit(name);
      });
    });
    client.sync?.on('record', ({ name }) => this.#emit(name));
  }

  of(record: RecordHandle): Mark {
    if (this.#storing.has(record.name)) return 'saving';
    switch (record.status) {
      case 'local':
        return 'unsent';
      case 'sent':
        return 'sending';
      case 'rejected':
        return 'refused';
      default:
        return 'saved';
    }
  }

  /** Calls `listener` with the document name of every record whose mark may have changed. */
  on(listener: (name: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** An element showing a record's mark, kept up to date until `dispose`. */
  badge(record: RecordHandle): { element: HTMLElement; dispose(): void } {
    const element = document.createElement('span');
    element.className = 'mark';
    const render = () => {
      const mark = this.of(record);
      element.dataset.sync = mark;
      element.textContent = MARK_LABELS[mark];
      element.title =
        mark === 'unsent' ? 'Kept on this device; it will be sent when you are back online.' : '';
    };
    render();
    return { element, dispose: this.#onRecord(record.name, render) };
  }

  #onRecord(name: string, listener: () => void): () => void {
    let listeners = this.#recordListeners.get(name);
    if (!listeners) {
      listeners = new Set();
      this.#recordListeners.set(name, listeners);
    }
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.#recordListeners.get(name) === listeners)
        this.#recordListeners.delete(name);
    };
  }

  #emit(name: string): void {
    for (const listener of [...this.#listeners]) listener(name);
    for (const listener of [...(this.#recordListeners.get(name) ?? [])]) listener();
  }
}
