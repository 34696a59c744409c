import * as encoding from 'lib0/encoding';
import type { Awareness } from 'y-protocols/awareness';

/**
 * `encodeAwarenessUpdate` that cannot throw. States are checked when received, so `JSON.stringify` should
 * never fail on them; should one still (a state too deep for the stack, a client id without a clock), that
 * client is sent as gone instead of ending the connection, or the process when no one catches it.
 */
export function encodePresence(awareness: Awareness, clients: readonly number[]): Uint8Array {
  const entries: [client: number, clock: number, json: string][] = [];
  for (const client of clients) {
    const meta = awareness.meta.get(client);
    if (!meta) continue;
    let json: string;
    try {
      json = JSON.stringify(awareness.states.get(client) ?? null) ?? 'null';
    } catch {
      json = 'null';
    }
    entries.push([client, meta.clock, json]);
  }
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const [client, clock, json] of entries) {
    encoding.writeVarUint(e, client);
    encoding.writeVarUint(e, clock);
    encoding.writeVarString(e, json);
  }
  return encoding.toUint8Array(e);
}
