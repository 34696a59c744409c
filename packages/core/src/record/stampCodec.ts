/**
 * How a write stamp is stored in `meta.clocks`: one string, `at` then `seen` (each a fixed-width HLC stamp,
 * `seen` left out when the write replaced nothing), a colon, then the author. Every plain-field write
 * carries one, so its bytes count: as an object `{ at, by, seen }` Yjs spells out each key and type, and a
 * set of one field cost about twice the bytes of the value and metadata alone. Records written by older
 * versions hold objects; both read the same.
 */
import { type HlcStamp, isHlcStamp } from './Hlc.js';

/** The stamp of one write. `seen` is the stamp of the value it replaced ('' when there was none). */
export interface FieldStamp {
  readonly at: HlcStamp;
  readonly by: string;
  readonly seen: string;
}

const STAMP_LENGTH = 13;

export const encodeFieldStamp = (stamp: FieldStamp): string => `${stamp.at}${stamp.seen}:${stamp.by}`;

/** The stamp a stored value holds, in the string form or the older object form; undefined if neither. */
export function readFieldStamp(value: unknown): FieldStamp | undefined {
  if (typeof value === 'string') return parse(value);
  if (typeof value !== 'object' || value === null) return undefined;
  const { at, by, seen } = value as Record<string, unknown>;
  return isHlcStamp(at) && typeof by === 'string' && (seen === '' || isHlcStamp(seen))
    ? (value as FieldStamp)
    : undefined;
}

function parse(value: string): FieldStamp | undefined {
  const colon = value.indexOf(':');
  if (colon !== STAMP_LENGTH && colon !== 2 * STAMP_LENGTH) return undefined;
  const at = value.slice(0, STAMP_LENGTH);
  const seen = value.slice(STAMP_LENGTH, colon);
  if (!isHlcStamp(at) || (seen !== '' && !isHlcStamp(seen))) return undefined;
  return { at, by: value.slice(colon + 1), seen };
}
