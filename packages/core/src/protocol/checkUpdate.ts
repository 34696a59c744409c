import * as Y from 'yjs';
import { FerryError } from '../errors.js';

/** An update that is malformed or holds values Yjs cannot handle safely. */
export class InvalidUpdateError extends FerryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('invalid-update', message, options);
  }
}

/**
 * Checks an update received from elsewhere before it touches a document. Decoding it fully (the V1 decoder
 * is bounded by the bytes it is given) refuses truncated and garbled updates; the range check refuses
 * clocks and lengths past 2^53, which lib0 accepts but which make Y.mergeUpdates loop forever once they
 * sit in a document's pending structs (the mechanism of yjs issue 687, in the V1 format). A delete range
 * may be as long as that: nothing in Ferry works through a range clock by clock. Values are checked for what
 * Yjs can encode again, in every struct, including those that will wait for a missing dependency: once
 * stored, one that cannot be encoded makes every later read of the record throw.
 */
export function checkUpdate(update: Uint8Array): void {
  if (update.byteLength === 0) throw new InvalidUpdateError('The update is empty.');
  let decoded: ReturnType<typeof Y.decodeUpdate>;
  try {
    decoded = Y.decodeUpdate(update);
  } catch (error) {
    throw new InvalidUpdateError(`The update is malformed: ${(error as Error).message}`, { cause: error });
  }
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
    if (
      !Number.isSafeInteger(client) ||
      !Number.isSafeInteger(clock) ||
      !Number.isSafeInteger(clock + struct.length)
    ) {
      throw new InvalidUpdateError('The update holds a clock or length beyond what Yjs handles safely.');
    }
    if (struct instanceof Y.Item && !encodableContent(struct.content)) {
      throw new InvalidUpdateError(
        'The update holds a value the relay cannot encode again (an object with a "__proto__" key, or a BigInt, which JSON cannot hold).',
      );
    }
  }
  for (const [client, ranges] of decoded.ds.clients) {
    if (!Number.isSafeInteger(client))
      throw new InvalidUpdateError('The update deletes for an impossible client id.');
    let end = 0;
    for (const range of ranges) {
      if (!Number.isSafeInteger(range.clock) || !Number.isSafeInteger(range.clock + range.len)) {
        throw new InvalidUpdateError('The update deletes a range beyond what Yjs handles safely.');
      }
      // Yjs writes each client's ranges sorted and merged. Applying a range walks the document's items in
      // it, so ranges that overlap would cost a pass over the document each.
      if (range.clock < end) {
        throw new InvalidUpdateError('The update deletes ranges that overlap or are out of order.');
      }
      end = range.clock + range.len;
    }
  }
}

/** Whether the values an item holds can be encoded again: lib0 decodes an object's "__proto__" key as its prototype. */
function encodableContent(content: Y.Item['content']): boolean {
  if (content instanceof Y.ContentAny || content instanceof Y.ContentJSON)
    return content.arr.every(plainValue);
  if (content instanceof Y.ContentEmbed) return plainValue(content.embed);
  if (content instanceof Y.ContentFormat) return plainValue(content.value);
  if (content instanceof Y.ContentDoc) return plainValue(content.opts);
  return true;
}

/**
 * Whether a decoded value holds only arrays, plain objects, bytes and primitives JSON can hold; walked without
 * recursion.
 */
function plainValue(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    // Yjs carries a BigInt (lib0 `any` tag 122), but JSON cannot: every REST answer holding it would throw.
    if (typeof current === 'bigint') return false;
    // isView reads the value's own internal slot: an object whose prototype is a Uint8Array is not bytes.
    if (current === null || typeof current !== 'object' || ArrayBuffer.isView(current)) continue;
    const prototype: unknown = Object.getPrototypeOf(current);
    // `{"__proto__": null}` decodes to an object without a prototype, which lib0 encodes like any other.
    const plain = prototype === Object.prototype || prototype === null;
    const children = Array.isArray(current) ? current : plain ? Object.values(current) : undefined;
    if (!children) return false;
    // JSON.parse (embeds, formats and JSON content in the V1 format) keeps "__proto__" as a key of its own,
    // which the V2 format, used for pending structs and merges, writes as an `any` and decodes as a prototype.
    if (!Array.isArray(current) && Object.hasOwn(current, '__proto__')) return false;
    for (const child of children) stack.push(child);
  }
  return true;
}
