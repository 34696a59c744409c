import { createFerry, defineCollection, MemoryStorage, t } from '@ferry/core';
import { mergeReplicas } from '@ferry/core/testing';

/** A draft with a field of every kind a form shows. */
export const drafts = defineCollection('drafts', {
  to: t.string().default(''),
  subject: t.string().default(''),
  body: t.text().default(''),
  note: t.text().default(''),
  priority: t.number().default(0),
  urgent: t.boolean().default(false),
  due: t.date().optional(),
  remindAt: t.date().optional(),
  folder: t.enum(['inbox', 'drafts', 'outbox']).default('drafts'),
  labels: t.list(t.string()).default([]),
  rating: t.number().optional(),
});

/** A client on memory storage with the drafts collection. */
export async function device(actor: string) {
  const client = await createFerry({ storage: new MemoryStorage(), actor });
  return { client, drafts: client.collection(drafts) };
}

/** Two devices holding the same draft, and a way to sync them on demand. */
export async function twoDevices() {
  const ana = await device('ana');
  const ben = await device('ben');
  const onAna = await ana.drafts.create({ subject: 'Lunch', body: 'See you at noon' }, { id: 'd1' });
  mergeReplicas(ana.client, ben.client);
  const onBen = ben.drafts.get('d1')!;
  return { ana, ben, onAna, onBen, sync: () => mergeReplicas(ana.client, ben.client) };
}

/** Puts `html` in the page and returns its first element matching `selector`. */
export function render<E extends Element>(html: string, selector: string): E {
  document.body.innerHTML = html;
  return document.querySelector<E>(selector)!;
}

/**
 * Types `typed` where the caret is, as a browser would: the value changes, the caret moves after the new
 * text, and an `input` event fires. An empty string with `deleteBackward` deletes one character instead.
 */
export function typeInto(control: HTMLInputElement | HTMLTextAreaElement, typed: string): void {
  control.focus();
  const start = control.selectionStart ?? control.value.length;
  const end = control.selectionEnd ?? start;
  control.value = control.value.slice(0, start) + typed + control.value.slice(end);
  // Inputs without a selection API (type=email) just take the text at the end.
  if (control.selectionStart !== null) control.setSelectionRange(start + typed.length, start + typed.length);
  control.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: typed }));
}

/** Presses Backspace: deletes the selection, or the character before the caret. */
export function backspace(control: HTMLInputElement | HTMLTextAreaElement): void {
  control.focus();
  let start = control.selectionStart ?? control.value.length;
  const end = control.selectionEnd ?? start;
  if (start === end) start = Math.max(0, start - 1);
  control.value = control.value.slice(0, start) + control.value.slice(end);
  control.setSelectionRange(start, start);
  control.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'deleteContentBackward' }));
}

/** Sets a control's value the way picking a date or dragging a slider does: `input`, then `change`. */
export function pick(control: HTMLInputElement | HTMLSelectElement, value: string): void {
  control.value = value;
  control.dispatchEvent(new Event('input', { bubbles: true }));
  control.dispatchEvent(new Event('change', { bubbles: true }));
}
