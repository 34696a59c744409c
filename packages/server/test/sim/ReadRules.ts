import { decodeServerMessage, type ServerMessage } from '@ferry/core';
import type { Principal } from '../../src/auth/Auth.js';
import type { Rules } from '../../src/auth/RecordRules.js';

/** Whether `user` may read a note with these fields: its owner, its readers, and anyone for a public one. */
export function mayRead(user: string, fields: Readonly<Record<string, unknown>>): boolean {
  const owner = fields.owner;
  if (typeof owner !== 'string' || owner === '') return true;
  return owner === user || (Array.isArray(fields.readers) && fields.readers.includes(user));
}

/**
 * The simulation's record rules (read and write by owner and readers), with a record of every time the relay
 * allowed a user to read a record: anything the relay sends a user about a record it was never allowed to
 * read is a leak.
 */
export class ReadRules {
  readonly #allowed = new Set<string>();
  leaksChecked = 0;
  /** The relay told `user` it may no longer read `name`. */
  onHidden: (user: string, name: string) => void = () => {};

  readonly rules: Rules = {
    notes: {
      read: (principal: Principal, fields, record) => {
        const allowed = mayRead(principal.id, fields);
        if (allowed) this.#allowed.add(`${principal.id} ${record.collection}/${record.id}`);
        return allowed;
      },
      write: (principal: Principal, fields) => mayRead(principal.id, fields),
    },
  };

  /** The records a frame to `user` carries that the relay never allowed `user` to read, with what was sent. */
  leaked(user: string, frame: Uint8Array): { name: string; sent: string }[] {
    const message = decodeServerMessage(frame).message;
    // An empty update (the answer for a record that does not exist too) tells nothing about the record.
    const names =
      message.type === 'sync' || message.type === 'updates'
        ? message.items.filter((item) => !isEmptyUpdate(item.update)).map((item) => item.name)
        : message.type === 'awareness'
          ? [message.name]
          : [];
    this.leaksChecked += names.length;
    if (message.type === 'hidden') for (const name of message.names) this.onHidden(user, name);
    return names
      .filter((name) => !this.#allowed.has(`${user} ${name}`))
      .map((name) => ({ name, sent: describeSent(message, name) }));
  }
}

function describeSent(message: ServerMessage, name: string): string {
  const update =
    message.type === 'awareness'
      ? message.update
      : 'items' in message
        ? message.items.find((item) => item.name === name)?.update
        : undefined;
  return `${message.type} of ${update?.byteLength ?? 0} bytes`;
}

/** Yjs's encoding of no change: no structs, no deletions. */
const isEmptyUpdate = (update: Uint8Array) => update.byteLength === 2 && update[0] === 0 && update[1] === 0;
