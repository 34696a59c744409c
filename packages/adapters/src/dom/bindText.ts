import { RecordDeletedError, type RecordHandle } from '@ferry/core';
import type * as Y from 'yjs';
import { type BindOptions, failWith, type Unbind } from './options.js';
import { mapOffset, mapSelection, spliceDelta, type TextDeltaOp } from './selectionMapping.js';
import type { TextSurface } from './TextSurface.js';
import { textSplice } from './textSplice.js';

/**
 * Binds a text surface to a Y.Text both ways. Typing becomes the smallest delete and insert at the place the
 * user typed (never "replace everything"), so concurrent typing elsewhere in the text survives; a change
 * from anywhere else (another replica, an undo, another binding) updates the surface and keeps the user's
 * caret and selection on the same characters.
 */
export function bindText(
  surface: TextSurface,
  text: Y.Text,
  record: RecordHandle,
  options: BindOptions = {},
): Unbind {
  const doc = text.doc;
  if (!doc) throw new TypeError('bindText needs a Y.Text that belongs to a document.');
  const element = surface.element;
  /** What the surface showed when it last matched the Y.Text: the base that local edits are diffed from. */
  let shown = text.toString();
  /** Changes to the Y.Text not yet shown, kept while the user composes (an IME) or has unsaved input. */
  let unseen: TextDeltaOp[][] = [];
  let composing = false;
  let writing = false;

  const show = (value: string, delta: readonly TextDeltaOp[]) => {
    const selection = surface.selection();
    surface.write(value, selection && mapSelection(delta, selection));
    shown = value;
  };

  /** Applies what the user changed since `shown` to the Y.Text, placed after changes made meanwhile. */
  const commit = () => {
    const now = surface.read();
    const splice = textSplice(shown, now, surface.selection()?.end);
    const missed = unseen;
    unseen = [];
    if (splice) {
      if (record.deleted) {
        failWith(options, new RecordDeletedError(collectionOf(record), record.id));
      } else {
        let from = splice.index;
        let to = splice.index + splice.remove;
        for (const delta of missed) {
          from = mapOffset(delta, from);
          to = Math.max(from, mapOffset(delta, to));
        }
        writing = true;
        try {
          record.edit(() => {
            if (to > from) text.delete(from, to - from);
            if (splice.insert) text.insert(from, splice.insert);
          });
        } finally {
          writing = false;
        }
      }
    }
    const merged = text.toString();
    if (merged !== now) {
      // Others' changes arrived meanwhile (or the edit was refused): show the merged text.
      const change = textSplice(now, merged);
      show(merged, change ? spliceDelta(change.index, change.remove, change.insert) : []);
    } else {
      shown = merged;
    }
    surface.normalize?.();
  };

  const onTextChange = (event: Y.YTextEvent) => {
    if (writing) return;
    const delta = event.delta as TextDeltaOp[];
    if (composing || surface.read() !== shown) {
      // The surface holds input not yet applied: apply it on top of this change, then show the result.
      unseen.push(delta);
      if (!composing) commit();
      return;
    }
    show(text.toString(), delta);
  };

  const onInput = (event: Event) => {
    if (composing || (event as InputEvent).isComposing) return;
    commit();
  };
  const onCompositionStart = () => {
    composing = true;
  };
  const onCompositionEnd = () => {
    composing = false;
    commit();
  };

  // Creating the undo manager now makes the first keystrokes undoable too.
  void record.undoManager;
  surface.write(shown);
  text.observe(onTextChange);
  element.addEventListener('input', onInput);
  element.addEventListener('compositionstart', onCompositionStart);
  element.addEventListener('compositionend', onCompositionEnd);
  return () => {
    text.unobserve(onTextChange);
    element.removeEventListener('input', onInput);
    element.removeEventListener('compositionstart', onCompositionStart);
    element.removeEventListener('compositionend', onCompositionEnd);
  };
}

const collectionOf = (record: RecordHandle): string => record.name.slice(0, record.name.indexOf('/'));
