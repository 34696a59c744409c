import { bindField } from '@ferry/adapters/dom';
import { FROM_BINDING, RecordDeletedError } from '@ferry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { backspace, device, render, twoDevices, typeInto } from './fixtures.js';

afterEach(() => {
  document.body.innerHTML = '';
});

describe('a text field bound to a textarea', () => {
  it('turns each keystroke into the smallest edit, made with the binding origin', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ body: 'Dear team' });
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    bindField(area, draft, 'body');
    expect(area.value).toBe('Dear team');

    const edits: { delta: unknown; origin: unknown }[] = [];
    draft
      .text('body')
      .observe((event, transaction) => edits.push({ delta: event.delta, origin: transaction.origin }));
    area.setSelectionRange(4, 4);
    typeInto(area, ' old');
    backspace(area);
    expect(draft.get('body')).toBe('Dear ol team');
    expect(edits).toEqual([
      { delta: [{ retain: 4 }, { insert: ' old' }], origin: FROM_BINDING },
      { delta: [{ retain: 7 }, { delete: 1 }], origin: FROM_BINDING },
    ]);
  });

  it('sends one keystroke as one update, the metadata stamp included', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ body: 'Dear team' });
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    bindField(area, draft, 'body');
    const updates: unknown[] = [];
    draft.doc.on('update', (_update: Uint8Array, origin: unknown) => updates.push(origin));
    area.setSelectionRange(4, 4);
    typeInto(area, 'x');
    expect(draft.get('body')).toBe('Dearx team');
    expect(updates).toEqual([FROM_BINDING]);
    // The edit stamp a delete conflict reads travelled in that one update.
    expect(draft.doc.getMap('meta.clocks').has('edited:ana')).toBe(true);
  });

  it('places an ambiguous insert where the caret says it was typed', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ body: 'aa' });
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    bindField(area, draft, 'body');
    const deltas: unknown[] = [];
    draft.text('body').observe((event) => deltas.push(event.delta));
    area.focus();
    area.setSelectionRange(0, 0);
    typeInto(area, 'a');
    expect(deltas).toEqual([[{ insert: 'a' }]]);
  });

  it('keeps the words of two people typing in the same field at once', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const anaArea = render<HTMLTextAreaElement>(
      '<textarea id="ana"></textarea><textarea id="ben"></textarea>',
      '#ana',
    );
    const benArea = document.querySelector<HTMLTextAreaElement>('#ben')!;
    bindField(anaArea, onAna, 'body');
    bindField(benArea, onBen, 'body');

    anaArea.setSelectionRange(0, 0);
    typeInto(anaArea, 'Hi all! ');
    benArea.setSelectionRange(benArea.value.length, benArea.value.length);
    typeInto(benArea, ', bring cake');
    sync();

    expect(onAna.get('body')).toBe('Hi all! See you at noon, bring cake');
    expect(anaArea.value).toBe('Hi all! See you at noon, bring cake');
    expect(benArea.value).toBe('Hi all! See you at noon, bring cake');
  });

  it('keeps the caret and the selection on the same characters when the text changes elsewhere', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    bindField(area, onAna, 'body');
    area.focus();
    area.setSelectionRange(4, 7, 'backward'); // "you"

    onBen.text('body').insert(0, 'OK. ');
    sync();
    expect(area.value).toBe('OK. See you at noon');
    expect([area.selectionStart, area.selectionEnd, area.selectionDirection]).toEqual([8, 11, 'backward']);
    expect(area.value.slice(area.selectionStart!, area.selectionEnd!)).toBe('you');

    onBen.text('body').delete(8, 4); // "you " goes; the selection collapses where it was
    sync();
    expect(area.value).toBe('OK. See at noon');
    expect([area.selectionStart, area.selectionEnd]).toEqual([8, 8]);

    typeInto(area, 'me ');
    expect(onAna.get('body')).toBe('OK. See me at noon');
  });

  it('applies input typed during a composition on top of changes that arrived meanwhile', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    bindField(area, onAna, 'body');
    area.focus();
    area.setSelectionRange(3, 3); // "See|"
    area.dispatchEvent(new CompositionEvent('compositionstart'));
    area.value = 'See✓ you at noon';
    area.setSelectionRange(4, 4);
    area.dispatchEvent(new InputEvent('input', { isComposing: true }));

    onBen.text('body').insert(onBen.get('body').length, '!');
    sync();
    // The IME owns the control until it is done: nothing is written to it meanwhile.
    expect(area.value).toBe('See✓ you at noon');

    area.dispatchEvent(new CompositionEvent('compositionend'));
    expect(onAna.get('body')).toBe('See✓ you at noon!');
    expect(area.value).toBe('See✓ you at noon!');
    expect(area.selectionStart).toBe(4);
  });

  it('shows undo and redo of the first keystrokes', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ body: 'Hello' });
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    bindField(area, draft, 'body');
    area.setSelectionRange(5, 5);
    typeInto(area, ' world');
    draft.undo();
    expect(area.value).toBe('Hello');
    draft.redo();
    expect(area.value).toBe('Hello world');
  });

  it('refuses typing into a deleted record and shows its text again', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ body: 'Gone' });
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    const errors: unknown[] = [];
    bindField(area, draft, 'body', { onError: (error) => errors.push(error) });
    await draft.delete();
    area.setSelectionRange(4, 4);
    typeInto(area, '!');
    expect(draft.get('body')).toBe('Gone');
    expect(area.value).toBe('Gone');
    expect(errors).toEqual([expect.any(RecordDeletedError)]);
  });

  it('binds a text input and a contenteditable element the same way', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const input = render<HTMLInputElement>(
      '<input type="text"><div contenteditable="plaintext-only"></div>',
      'input',
    );
    const editable = document.querySelector<HTMLDivElement>('div')!;
    bindField(input, onAna, 'body');
    bindField(editable, onBen, 'body');
    expect(editable.textContent).toBe('See you at noon');

    input.setSelectionRange(15, 15);
    typeInto(input, '?');
    sync();
    expect(editable.textContent).toBe('See you at noon?');

    // Typing in the contenteditable: the browser changes its text node and moves the caret.
    editable.focus();
    const node = editable.firstChild as Text;
    node.insertData(0, 'So, ');
    document.getSelection()!.setBaseAndExtent(node, 4, node, 4);
    editable.dispatchEvent(new InputEvent('input', { inputType: 'insertText', data: 'So, ' }));
    expect(onBen.get('body')).toBe('So, See you at noon?');
    sync();
    expect(input.value).toBe('So, See you at noon?');
  });

  it('reads the lines a contenteditable makes on Enter as newlines, and writes them back as text', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ body: 'one' });
    const editable = render<HTMLDivElement>('<div contenteditable="true"></div>', 'div');
    bindField(editable, draft, 'body');
    editable.innerHTML = 'one<div>two</div><div><br></div><div>four</div>';
    editable.dispatchEvent(new InputEvent('input', { inputType: 'insertParagraph' }));
    expect(draft.get('body')).toBe('one\ntwo\n\nfour');
    expect(editable.childNodes.length).toBe(1);
    expect(editable.textContent).toBe('one\ntwo\n\nfour');

    draft.text('body').insert(draft.get('body').length, '\n');
    // A trailing newline needs a second one to show as an empty last line; it is not part of the text.
    expect(editable.innerHTML).toBe('one\ntwo\n\nfour\n\n');
    expect(draft.get('body')).toBe('one\ntwo\n\nfour\n');
    editable.innerHTML = 'one\ntwo\n\nfour\n<br>';
    editable.dispatchEvent(new InputEvent('input', { inputType: 'deleteContentBackward' }));
    expect(draft.get('body')).toBe('one\ntwo\n\nfour\n');
    expect(editable.style.whiteSpace).toBe('pre-wrap');
  });

  it('stops both ways after unbind()', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const area = render<HTMLTextAreaElement>('<textarea></textarea>', 'textarea');
    const added: string[] = [];
    const removed: string[] = [];
    const add = area.addEventListener.bind(area);
    const remove = area.removeEventListener.bind(area);
    area.addEventListener = ((type: string, listener: EventListener) => {
      added.push(type);
      add(type, listener);
    }) as typeof area.addEventListener;
    area.removeEventListener = ((type: string, listener: EventListener) => {
      removed.push(type);
      remove(type, listener);
    }) as typeof area.removeEventListener;

    const unbind = bindField(area, onAna, 'body');
    unbind();
    expect(added.length).toBeGreaterThan(0);
    expect(removed.sort()).toEqual(added.sort());

    typeInto(area, 'ignored ');
    expect(onAna.get('body')).toBe('See you at noon');
    onBen.text('body').insert(0, 'x');
    sync();
    expect(area.value).toBe('See you at noonignored ');
    unbind();
  });

  it('follows a Y.Text changed by a second binding in the same page', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ body: 'abc' });
    const first = render<HTMLTextAreaElement>(
      '<textarea id="a"></textarea><textarea id="b"></textarea>',
      '#a',
    );
    const second = document.querySelector<HTMLTextAreaElement>('#b')!;
    bindField(first, draft, 'body');
    bindField(second, draft, 'body');
    first.setSelectionRange(3, 3);
    typeInto(first, 'd');
    expect(second.value).toBe('abcd');
  });
});
