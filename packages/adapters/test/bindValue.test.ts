import { bindField } from '@ferry/adapters/dom';
import { ValidationError } from '@ferry/core';
import { afterEach, describe, expect, it } from 'vitest';
import { device, pick, render, twoDevices, typeInto } from './fixtures.js';

afterEach(() => {
  document.body.innerHTML = '';
});

describe('plain fields bound to controls', () => {
  it('writes a string field from a text input and shows changes made elsewhere', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const input = render<HTMLInputElement>('<input type="email">', 'input');
    bindField(input, onAna, 'to');
    typeInto(input, 'ben@example.org');
    expect(onAna.get('to')).toBe('ben@example.org');
    sync();
    await onBen.set('to', 'team@example.org');
    sync();
    expect(input.value).toBe('team@example.org');
  });

  it('keeps the caret of someone typing in a plain text field that changed elsewhere', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const input = render<HTMLInputElement>('<input type="text">', 'input');
    bindField(input, onAna, 'subject');
    input.focus();
    input.setSelectionRange(2, 2); // "Lu|nch"
    await onBen.set('subject', 'Re: Lunch');
    sync();
    expect(input.value).toBe('Re: Lunch');
    expect(input.selectionStart).toBe(6);
  });

  it('binds numbers and ranges, leaving half-typed numbers alone', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ priority: 2 });
    const number = render<HTMLInputElement>(
      '<input type="number"><input type="range" min="0" max="10">',
      'input',
    );
    const range = document.querySelector<HTMLInputElement>('input[type=range]')!;
    bindField(number, draft, 'priority');
    bindField(range, draft, 'priority');
    expect([number.value, range.value]).toEqual(['2', '2']);

    pick(range, '7');
    expect(draft.get('priority')).toBe(7);
    expect(number.value).toBe('7');

    number.value = '7.0';
    number.dispatchEvent(new Event('input'));
    expect(number.value).toBe('7.0');
    expect(draft.get('priority')).toBe(7);
  });

  it('does not write an invalid value, reports it, and shows the record again on change', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ priority: 3 });
    const number = render<HTMLInputElement>('<input type="number">', 'input');
    const errors: unknown[] = [];
    bindField(number, draft, 'priority', { onError: (error) => errors.push(error) });
    number.value = '';
    number.dispatchEvent(new Event('input'));
    expect(number.value).toBe('');
    expect(draft.get('priority')).toBe(3);
    number.dispatchEvent(new Event('change'));
    expect(number.value).toBe('3');
    expect(errors[0]).toBeInstanceOf(ValidationError);
  });

  it('clears an optional field when its control is emptied', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ rating: 4 });
    const number = render<HTMLInputElement>('<input type="number">', 'input');
    bindField(number, draft, 'rating');
    pick(number, '');
    expect(draft.get('rating')).toBeUndefined();
  });

  it('binds a checkbox to a boolean and checkboxes to the items of a list', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    const urgent = render<HTMLInputElement>(
      `<input type="checkbox" id="urgent">
       <input type="checkbox" value="work" id="work"><input type="checkbox" value="home" id="home">`,
      '#urgent',
    );
    const work = document.querySelector<HTMLInputElement>('#work')!;
    const home = document.querySelector<HTMLInputElement>('#home')!;
    bindField(urgent, onAna, 'urgent');
    bindField(work, onAna, 'labels');
    bindField(home, onAna, 'labels');

    urgent.click();
    work.click();
    home.click();
    expect(onAna.get('urgent')).toBe(true);
    expect(onAna.get('labels')).toEqual(['work', 'home']);
    work.click();
    expect(onAna.get('labels')).toEqual(['home']);

    sync();
    await onBen.update({ urgent: false, labels: ['work'] });
    sync();
    expect([urgent.checked, work.checked, home.checked]).toEqual([false, true, false]);
  });

  it('binds a group of radio buttons to one field', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({});
    render(
      '<input type="radio" name="f" value="inbox"><input type="radio" name="f" value="outbox">',
      'input',
    );
    const [inbox, outbox] = [...document.querySelectorAll<HTMLInputElement>('input')] as [
      HTMLInputElement,
      HTMLInputElement,
    ];
    bindField(inbox, draft, 'folder');
    bindField(outbox, draft, 'folder');
    expect([inbox.checked, outbox.checked]).toEqual([false, false]);
    outbox.click();
    expect(draft.get('folder')).toBe('outbox');
    await draft.set('folder', 'inbox');
    expect([inbox.checked, outbox.checked]).toEqual([true, false]);
  });

  it('binds date inputs to dates: a day at UTC midnight, a local time on the device clock', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ due: new Date('2026-03-01T00:00:00Z') });
    const day = render<HTMLInputElement>(
      '<input type="date"><input type="datetime-local">',
      'input[type=date]',
    );
    const time = document.querySelector<HTMLInputElement>('input[type=datetime-local]')!;
    bindField(day, draft, 'due');
    bindField(time, draft, 'remindAt');
    expect(day.value).toBe('2026-03-01');
    expect(time.value).toBe('');

    pick(day, '2026-04-15');
    pick(time, '2026-04-14T09:30');
    expect(draft.get('due')).toEqual(new Date('2026-04-15T00:00:00Z'));
    expect(draft.get('remindAt')).toEqual(new Date(2026, 3, 14, 9, 30));

    await draft.set('remindAt', new Date(2026, 3, 14, 17, 5, 30));
    expect(time.value).toBe('2026-04-14T17:05:30');
  });

  it('binds a select to an enum and a multiple select to a list', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ labels: ['b'] });
    const single = render<HTMLSelectElement>(
      `<select id="one"><option value="inbox">Inbox</option><option value="drafts">Drafts</option><option value="outbox">Outbox</option></select>
       <select id="many" multiple><option value="a">A</option><option value="b">B</option><option value="c">C</option></select>`,
      '#one',
    );
    const many = document.querySelector<HTMLSelectElement>('#many')!;
    bindField(single, draft, 'folder');
    bindField(many, draft, 'labels');
    expect(single.value).toBe('drafts');
    expect(selected(many)).toEqual(['b']);

    pick(single, 'outbox');
    expect(draft.get('folder')).toBe('outbox');
    many.options[0]!.selected = true;
    many.options[2]!.selected = true;
    many.dispatchEvent(new Event('change'));
    expect(draft.get('labels')).toEqual(['a', 'b', 'c']);

    await draft.update({ folder: 'inbox', labels: ['c'] });
    expect(single.value).toBe('inbox');
    expect(selected(many)).toEqual(['c']);
  });

  it('binds a contenteditable element to a string field', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ subject: 'Hello' });
    const editable = render<HTMLDivElement>('<div contenteditable="plaintext-only"></div>', 'div');
    bindField(editable, draft, 'subject');
    expect(editable.textContent).toBe('Hello');
    (editable.firstChild as Text).appendData(' there');
    editable.dispatchEvent(new InputEvent('input'));
    expect(draft.get('subject')).toBe('Hello there');
  });

  it('converts with parse and format when given', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ labels: ['a', 'b'] });
    const input = render<HTMLInputElement>('<input type="text">', 'input');
    bindField(input, draft, 'labels', {
      format: (labels) => (labels as string[]).join(', '),
      parse: (shown) =>
        String(shown)
          .split(',')
          .map((label) => label.trim())
          .filter(Boolean),
    });
    expect(input.value).toBe('a, b');
    pick(input, 'a, b, c');
    expect(draft.get('labels')).toEqual(['a', 'b', 'c']);
  });

  it('refuses elements it cannot bind, saying which it can', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({});
    expect(() => bindField(render('<input type="file">', 'input'), draft, 'to')).toThrow(
      /cannot bind an <input type="file">/,
    );
    expect(() => bindField(render('<span></span>', 'span'), draft, 'to')).toThrow(/contenteditable/);
  });

  it('stops both ways after unbind()', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ subject: 'a' });
    const input = render<HTMLInputElement>('<input type="text">', 'input');
    const unbind = bindField(input, draft, 'subject');
    unbind();
    typeInto(input, 'b');
    expect(draft.get('subject')).toBe('a');
    await draft.set('subject', 'c');
    expect(input.value).toBe('ab');
  });
});

const selected = (select: HTMLSelectElement) =>
  [...select.options].filter((o) => o.selected).map((o) => o.value);
