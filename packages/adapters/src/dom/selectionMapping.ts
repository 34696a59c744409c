/** One operation of a Y.Text change, as `YTextEvent.delta` lists them. */
export interface TextDeltaOp {
  readonly insert?: string | object;
  readonly retain?: number;
  readonly delete?: number;
}

/** A selection as offsets into plain text; a caret has `start === end`. */
export interface TextSelection {
  readonly start: number;
  readonly end: number;
  readonly direction: 'forward' | 'backward' | 'none';
}

/**
 * Where an offset into a text lands after a change. Text inserted exactly at the offset goes after it when
 * `stickToEnd` is false (a caret stays before what someone else types right there), before it otherwise.
 */
export function mapOffset(delta: readonly TextDeltaOp[], offset: number, stickToEnd = false): number {
  let at = 0;
  let mapped = offset;
  for (const op of delta) {
    if (at > mapped) break;
    if (op.retain !== undefined) {
      at += op.retain;
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1;
      if (at < mapped || (at === mapped && stickToEnd)) mapped += length;
      at += length;
    } else if (op.delete !== undefined) {
      if (at < mapped) mapped -= Math.min(op.delete, mapped - at);
    }
  }
  return mapped;
}

/**
 * A selection after a change made elsewhere. A caret keeps its place; a range keeps covering the same
 * characters, without taking in text inserted at its edges.
 */
export function mapSelection(delta: readonly TextDeltaOp[], selection: TextSelection): TextSelection {
  if (selection.start === selection.end) {
    const caret = mapOffset(delta, selection.start);
    return { start: caret, end: caret, direction: selection.direction };
  }
  const start = mapOffset(delta, selection.start, true);
  const end = Math.max(start, mapOffset(delta, selection.end));
  return { start, end, direction: selection.direction };
}

/** The delta of one splice, for mapping a selection through a change computed by diffing. */
export function spliceDelta(index: number, remove: number, insert: string): TextDeltaOp[] {
  const delta: TextDeltaOp[] = [];
  if (index > 0) delta.push({ retain: index });
  if (remove > 0) delta.push({ delete: remove });
  if (insert.length > 0) delta.push({ insert });
  return delta;
}
