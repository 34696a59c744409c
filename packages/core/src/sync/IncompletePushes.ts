import type { IncompleteItem } from '../protocol/messages.js';
import type { Coverage } from './ChangeMarks.js';
import type { Outbox } from './Outbox.js';

/**
 * How many times in a row a record's push may come back incomplete before the client stops sending it on
 * this connection. Each answer is a diff from the relay's state vector, which carries whatever this device
 * holds; one that still comes back incomplete builds on changes this device lacks too.
 */
export const MAX_INCOMPLETE_ANSWERS = 3;

/**
 * Answers to pushes the relay did not store because they build on changes it does not hold (a change it
 * forwarded to this device and then lost in a crash, say). Not a refusal: nothing is rolled back and no
 * `rejected` event is sent. The change stays unsaved, and the record is sent again as a diff from the relay's
 * state vector, which carries what it built on; at most MAX_INCOMPLETE_ANSWERS times in a row, then it waits
 * for the next connection (or a new change) and `stuck` says why.
 */
export class IncompletePushes {
  readonly #answers = new Map<string, number>();

  /**
   * The relay answered the push of these records (which carried `carries` of each) incomplete. Returns the
   * records to send again now.
   */
  answered(
    outbox: Outbox,
    items: readonly IncompleteItem[],
    carries: (name: string) => Coverage | undefined,
  ): string[] {
    const again: string[] = [];
    for (const { name, stateVector } of items) {
      const answers = (this.#answers.get(name) ?? 0) + 1;
      this.#answers.set(name, answers);
      outbox.incomplete(name, carries(name), stateVector);
      if (answers <= MAX_INCOMPLETE_ANSWERS) again.push(name);
    }
    return again;
  }

  /** The record's push was stored: its next incomplete answer starts a new count. */
  saved(name: string): void {
    this.#answers.delete(name);
  }

  /** A new connection: every record may be tried again. */
  reset(): void {
    this.#answers.clear();
  }

  /** Why some changes stay unsaved, when the client gave up sending them on this connection. */
  get stuck(): string | undefined {
    const names = [...this.#answers].filter(([, answers]) => answers > MAX_INCOMPLETE_ANSWERS);
    if (names.length === 0) return undefined;
    const some = names.slice(0, 3).map(([name]) => name);
    const records =
      names.length > some.length ? `${some.join(', ')} and ${names.length - 3} more` : some.join(', ');
    return `The relay lacks changes that changes to ${records} build on, and this device does not hold them either: they stay unsaved until those changes reach the relay.`;
  }
}
