/**
 * A record's initial fields as an update that every device builds byte for byte the same: what
 * `collection.ensure()` applies. Yjs names every item by (clientID, clock); two devices that insert the same
 * items under the same ids have made one change, not two, so their creates merge into one copy.
 *
 * Each top-level field is written by a clientID of its own, hashed from the document's name and what that
 * field writes. A field given the same value everywhere is then the same items everywhere; a field given
 * differently is written under different ids and merges like two concurrent writes (one plain value wins,
 * both texts are kept). Sharing one id between different contents would be worse than either: Yjs would
 * take the items it already has for the other device's, and the replicas would disagree for good.
 */
import { digest } from 'lib0/hash/sha256';
import * as Y from 'yjs';
import { writeField } from '../schema/codec.js';
import { recordHost } from '../schema/FieldHost.js';
import type { Shape } from '../schema/fields.js';

const utf8 = new TextEncoder();

/** Builds the fields of `values` (validated; defaults for those left out) as one update for document `name`. */
export function initialContent(name: string, shape: Shape, values: Record<string, unknown>): Uint8Array {
  const parts: Uint8Array[] = [];
  const used = new Set<number>();
  for (const [key, field] of Object.entries(shape)) {
    const given = values[key] === undefined ? field.defaultValue() : values[key];
    const write = (doc: Y.Doc) => writeField(recordHost(doc), key, field, given);
    const draft = encodeWrite(0, write);
    if (draft === undefined) continue;
    // Two fields of one record hashing alike would share clocks; every device steps aside the same way.
    let attempt = 0;
    let clientID = clientIdOf(name, draft, attempt);
    while (used.has(clientID)) clientID = clientIdOf(name, draft, ++attempt);
    used.add(clientID);
    parts.push(encodeWrite(clientID, write)!);
  }
  return parts.length === 0 ? Y.encodeStateAsUpdate(new Y.Doc()) : Y.mergeUpdates(parts);
}

/** What `write` does to an empty document whose clientID is `clientID`, or undefined if it writes nothing. */
function encodeWrite(clientID: number, write: (doc: Y.Doc) => void): Uint8Array | undefined {
  const doc = new Y.Doc({ gc: false });
  doc.clientID = clientID;
  let update: Uint8Array | undefined;
  doc.on('update', (encoded: Uint8Array) => {
    update = encoded;
  });
  doc.transact(() => write(doc));
  doc.destroy();
  return update;
}

/** A Yjs clientID (an unsigned 32-bit number): the first bytes of a SHA-256 of the name and the content. */
function clientIdOf(name: string, content: Uint8Array, attempt: number): number {
  const nameBytes = utf8.encode(name);
  const input = new Uint8Array(nameBytes.length + 2 + content.length);
  input.set(nameBytes);
  input[nameBytes.length + 1] = attempt;
  input.set(content, nameBytes.length + 2);
  return new DataView(digest(input).buffer).getUint32(0);
}
