import { textSplice } from '@ferry/core';
import * as Y from 'yjs';

/**
 * Applies a new text to a Y.Text as the change its writer made: the smallest splice from the text they
 * read (`base`, the same Y.Text at the version they read) to the text they sent. Positions are carried
 * from that version to the current one through Yjs relative positions, so what others wrote meanwhile,
 * before, after or inside the range, stays where it is. Without a base, the splice is taken against the
 * current text.
 */
export function mergeText(current: Y.Text, base: Y.Text | undefined, next: string): void {
  const from = (base ?? current).toString();
  const splice = textSplice(from, next);
  if (!splice) return;
  const inserted = next.slice(splice.index, splice.index + splice.insert);
  if (!base) {
    if (splice.remove > 0) current.delete(splice.index, splice.remove);
    if (inserted) current.insert(splice.index, inserted);
    return;
  }
  // The removed range is carried as its characters, so text others inserted inside it is kept.
  if (splice.remove > 0) {
    for (const [index, length] of currentRanges(base, splice.index, splice.remove, current))
      current.delete(index, length);
  }
  if (inserted) current.insert(carry(base, splice.index, current.doc!, splice.index), inserted);
}

/** The current index of what was at `index` in the base text (assoc: after the previous character). */
function carry(base: Y.Text, index: number, doc: Y.Doc, fallback: number): number {
  // Anchored to the character before, which the splice keeps, so the position survives the delete.
  const relative = Y.createRelativePositionFromTypeIndex(base, index, -1);
  return Y.createAbsolutePositionFromRelativePosition(relative, doc)?.index ?? fallback;
}

/** Where the characters base[index, index + length) are now, as [index, length] runs, last first. */
function currentRanges(base: Y.Text, index: number, length: number, current: Y.Text): [number, number][] {
  const ids = new Set<string>();
  let position = 0;
  for (let item = base._start; item && position < index + length; item = item.right) {
    if (item.deleted || !item.countable) continue;
    for (let i = 0; i < item.length; i++, position++) {
      if (position >= index && position < index + length) ids.add(`${item.id.client}:${item.id.clock + i}`);
    }
  }
  const runs: [number, number][] = [];
  position = 0;
  for (let item = current._start; item; item = item.right) {
    if (item.deleted || !item.countable) continue;
    for (let i = 0; i < item.length; i++, position++) {
      if (!ids.has(`${item.id.client}:${item.id.clock + i}`)) continue;
      const last = runs.at(-1);
      if (last && last[0] + last[1] === position) last[1]++;
      else runs.push([position, 1]);
    }
  }
  return runs.reverse();
}
