/**
 * The smallest single splice that turns one sequence into another: the common prefix and suffix stay, the
 * middle is replaced. Edits from typing, pasting or deleting at one place become one small CRDT operation,
 * so concurrent edits elsewhere in the same text or list survive the merge.
 */
export interface Splice {
  index: number;
  remove: number;
  insert: number;
}

export function spliceBetween(
  oldLength: number,
  newLength: number,
  same: (oldIndex: number, newIndex: number) => boolean,
): Splice | undefined {
  let prefix = 0;
  const shorter = Math.min(oldLength, newLength);
  while (prefix < shorter && same(prefix, prefix)) prefix++;
  if (prefix === oldLength && prefix === newLength) return undefined;
  let suffix = 0;
  while (suffix < shorter - prefix && same(oldLength - 1 - suffix, newLength - 1 - suffix)) suffix++;
  return { index: prefix, remove: oldLength - prefix - suffix, insert: newLength - prefix - suffix };
}

/** Like `spliceBetween` for strings, never cutting a UTF-16 surrogate pair in half. */
export function textSplice(oldText: string, newText: string): Splice | undefined {
  const splice = spliceBetween(
    oldText.length,
    newText.length,
    (i, j) => oldText.charCodeAt(i) === newText.charCodeAt(j),
  );
  if (!splice) return undefined;
  let { index, remove, insert } = splice;
  // A prefix ending on a high surrogate would split a pair: move that half into the replaced middle.
  if (index > 0 && isHighSurrogate(oldText.charCodeAt(index - 1))) {
    index--;
    remove++;
    insert++;
  }
  // Likewise a suffix starting on a low surrogate.
  const oldEnd = index + remove;
  if (oldEnd < oldText.length && isLowSurrogate(oldText.charCodeAt(oldEnd))) {
    remove++;
    insert++;
  }
  return { index, remove, insert };
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;
