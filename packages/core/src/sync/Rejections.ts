import type { Replica } from '../replica/Replica.js';
import { type RejectedChange, writeAgain } from './Rollbacks.js';
import type { TabSyncMessage } from './TabSyncMessage.js';

type RejectedMessage = Extract<TabSyncMessage, { kind: 'rejected' }>;

/**
 * Tells the app of the relay's refusals, once each: with a socket per tab, several tabs can be refused the
 * same change, and each tells the others. A record is told again once it changed, or on a new connection.
 */
export class Rejections {
  /** Records whose refusal this tab has told its app of, until they change again. */
  readonly #shown = new Set<string>();

  constructor(
    private readonly replica: Replica,
    private readonly show: (rejected: RejectedChange) => void,
    private readonly tellTabs: (body: Omit<RejectedMessage, 'scope' | 'tab'>) => void,
  ) {}

  /** Tells this tab and the others that the relay refused a change. */
  reject(rejected: RejectedChange): void {
    this.#show(rejected);
    const { name, code, message, change, attempted } = rejected;
    this.tellTabs({ kind: 'rejected', name, code, message, change, attempted });
  }

  /** The relay refused to let this client read a document: told as a refusal with no change. */
  unreadable(name: string, code: number, message: string): void {
    const nothing = () => {};
    this.reject({
      name,
      code,
      message,
      change: undefined,
      attempted: undefined,
      retry: nothing,
      discard: nothing,
    });
  }

  /** Another tab heard the relay refuse a change (or a read): this tab tells the same. */
  rejectedElsewhere(message: RejectedMessage): void {
    const { name, code, change, attempted } = message;
    this.#show({
      name,
      code,
      message: message.message,
      change,
      attempted,
      retry: () => {
        const doc = this.replica.get(name);
        if (doc && attempted) writeAgain(doc, attempted);
      },
      discard: () => {},
    });
  }

  /** The record changed again: a new refusal of it is told. */
  changed(name: string): void {
    this.#shown.delete(name);
  }

  /** A refusal heard again on the next connection (a document this client may not read) is told again. */
  clear(): void {
    this.#shown.clear();
  }

  #show(rejected: RejectedChange): void {
    if (this.#shown.has(rejected.name)) return;
    this.#shown.add(rejected.name);
    this.show(rejected);
  }
}
