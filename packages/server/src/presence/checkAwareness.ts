import { CloseCode } from '@ferry/core';
import * as decoding from 'lib0/decoding';
import { nestedDeeperThan } from '../jsonDepth.js';
import type { Limits } from '../Limits.js';

export type PresenceLimits = Pick<Limits, 'maxPresenceBytes' | 'maxPresenceDepth' | 'maxPresenceClients'>;

/** Why an awareness update was refused: the connection that sent it is closed with `code`. */
export interface PresenceRefusal {
  readonly code: number;
  readonly reason: string;
}

/** Who sent an update: a connection, on a document. Only used as keys, held weakly. */
export interface PresenceSender {
  readonly document: object;
  readonly connection: object;
}

/**
 * The client ids each connection has named on each document. Never shrinks while both live: a client that
 * cleared its state and took a new id would otherwise leave one more entry in the document's awareness
 * clocks each time. Weak, so a closed connection or an unloaded document takes its entries along.
 */
const named = new WeakMap<object, WeakMap<object, Set<number>>>();

const utf8 = new TextDecoder();

/**
 * Checks an awareness update (y-protocols format: a count, then per client its id, clock and state as JSON
 * text) before y-protocols parses it, so that no state the relay keeps is larger or deeper than its limits
 * (encoding it for the next joiner, `JSON.stringify`, recurses once per level). Every state is parsed here
 * too, so that a malformed one refuses the whole update rather than half of it. With a sender, also bounds
 * the client ids that connection may name on that document, and counts the new ones once the update passes.
 * The cost is bounded by the update's bytes.
 */
export function checkAwareness(
  update: Uint8Array,
  limits: PresenceLimits,
  sender?: PresenceSender,
): PresenceRefusal | undefined {
  const ids = new Set<number>();
  try {
    const d = decoding.createDecoder(update);
    const count = decoding.readVarUint(d);
    if (count > limits.maxPresenceClients) return tooMany(limits);
    for (let i = 0; i < count; i++) {
      ids.add(decoding.readVarUint(d));
      decoding.readVarUint(d);
      const length = decoding.readVarUint(d);
      if (length > limits.maxPresenceBytes) {
        return tooLarge(`A presence state of ${length} bytes; the relay accepts ${limits.maxPresenceBytes}.`);
      }
      if (length > d.arr.length - d.pos) return malformed('a state runs past the end of the update');
      const json = utf8.decode(d.arr.subarray(d.pos, d.pos + length));
      d.pos += length;
      if (nestedDeeperThan(json, limits.maxPresenceDepth)) {
        return tooLarge(`A presence state nests deeper than ${limits.maxPresenceDepth} levels.`);
      }
      JSON.parse(json);
    }
  } catch (error) {
    return malformed((error as Error).message);
  }
  if (!sender) return undefined;
  const byConnection = named.get(sender.document) ?? new WeakMap<object, Set<number>>();
  named.set(sender.document, byConnection);
  const known = byConnection.get(sender.connection) ?? new Set<number>();
  let added = 0;
  for (const id of ids) if (!known.has(id)) added++;
  if (known.size + added > limits.maxPresenceClients) return tooMany(limits);
  for (const id of ids) known.add(id);
  byConnection.set(sender.connection, known);
  return undefined;
}

const tooLarge = (reason: string): PresenceRefusal => ({ code: CloseCode.PresenceTooLarge, reason });

const tooMany = (limits: PresenceLimits): PresenceRefusal =>
  tooLarge(`At most ${limits.maxPresenceClients} presence client ids per connection and document.`);

const malformed = (detail: string): PresenceRefusal => ({
  code: CloseCode.BadFrame,
  reason: `Malformed awareness update: ${detail}.`,
});
