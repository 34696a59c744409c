/**
 * Hybrid logical clock stamps for the `latest` merge policy. A stamp is the wall time in milliseconds and a
 * counter, written as a fixed-width string so that stamps compare as strings. A write is stamped after the
 * highest stamp the record already holds, whatever this device's clock says: an edit made after seeing
 * another one always carries a later stamp, even when this device's clock runs behind the other's.
 */

/** A stamp: 9 base-36 digits of wall time (ms, up to the year 5138) and 4 of counter. */
export type HlcStamp = string & { readonly __brand: 'HlcStamp' };

const WALL_DIGITS = 9;
const COUNTER_DIGITS = 4;
const MAX_COUNTER = 36 ** COUNTER_DIGITS - 1;
const STAMP = /^[0-9a-z]{13}$/;

export const isHlcStamp = (value: unknown): value is HlcStamp =>
  typeof value === 'string' && STAMP.test(value);

export function encodeHlc(wall: number, counter: number): HlcStamp {
  return (Math.max(0, Math.floor(wall)).toString(36).padStart(WALL_DIGITS, '0') +
    counter.toString(36).padStart(COUNTER_DIGITS, '0')) as HlcStamp;
}

/** The wall time of a stamp, in ms since the epoch. */
export const wallOf = (stamp: HlcStamp): number => Number.parseInt(stamp.slice(0, WALL_DIGITS), 36);

const counterOf = (stamp: HlcStamp): number => Number.parseInt(stamp.slice(WALL_DIGITS), 36);

/**
 * The stamp of a write made at `now` (this device's clock) on a record whose highest stamp is `highest`:
 * the clock's time if it is ahead, else one tick after `highest`.
 */
export function nextHlc(highest: HlcStamp | undefined, now: number): HlcStamp {
  if (highest === undefined || Math.floor(now) > wallOf(highest)) return encodeHlc(now, 0);
  const counter = counterOf(highest);
  // A counter that runs out moves on to the next millisecond, still after `highest`.
  return counter < MAX_COUNTER ? encodeHlc(wallOf(highest), counter + 1) : encodeHlc(wallOf(highest) + 1, 0);
}

/** The later of two stamps (undefined counts as earliest). */
export const laterHlc = (a: HlcStamp | undefined, b: HlcStamp | undefined): HlcStamp | undefined =>
  a === undefined ? b : b === undefined || a >= b ? a : b;
