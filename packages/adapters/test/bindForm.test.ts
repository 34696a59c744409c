import { bindForm } from '@ferry/adapters/dom';
import { afterEach, describe, expect, it } from 'vitest';
import { device, pick, render, twoDevices, typeInto } from './fixtures.js';

afterEach(() => {
  document.body.innerHTML = '';
});

const FORM = `
  <form>
    <input name="to" type="email">
    <input name="subject">
    <textarea name="body"></textarea>
    <input name="priority" type="number">
    <input name="urgent" type="checkbox">
    <input name="due" type="date">
    <select name="folder"><option>inbox</option><option>drafts</option><option>outbox</option></select>
    <div name="note" contenteditable="plaintext-only"></div>
    <input name="search" type="search" value="not a field">
    <button name="send" type="submit">Send</button>
  </form>`;

describe('bindForm', () => {
  it('loads every field into the control of the same name and writes back what the user changes', async () => {
    const { onAna, onBen, sync } = await twoDevices();
    await onAna.update({ to: 'ben@example.org', priority: 2, note: 'remember', due: new Date('2026-04-01') });
    sync();
    const form = render<HTMLFormElement>(FORM, 'form');
    const control = <E extends Element>(name: string) => form.querySelector<E>(`[name=${name}]`)!;
    bindForm(form, onBen);

    expect(control<HTMLInputElement>('to').value).toBe('ben@example.org');
    expect(control<HTMLInputElement>('subject').value).toBe('Lunch');
    expect(control<HTMLTextAreaElement>('body').value).toBe('See you at noon');
    expect(control<HTMLInputElement>('priority').value).toBe('2');
    expect(control<HTMLInputElement>('due').value).toBe('2026-04-01');
    expect(control<HTMLSelectElement>('folder').value).toBe('drafts');
    expect(control('note').textContent).toBe('remember');
    expect(control<HTMLInputElement>('search').value).toBe('not a field');

    typeInto(control<HTMLInputElement>('subject'), ' on Friday');
    control<HTMLInputElement>('urgent').click();
    pick(control<HTMLInputElement>('due'), '2026-05-01');
    sync();
    expect(onAna.value).toMatchObject({
      subject: 'Lunch on Friday',
      urgent: true,
      due: new Date('2026-05-01T00:00:00Z'),
    });

    await onAna.update({ folder: 'outbox', body: 'See you at one' });
    sync();
    expect(control<HTMLSelectElement>('folder').value).toBe('outbox');
    expect(control<HTMLTextAreaElement>('body').value).toBe('See you at one');
  });

  it('binds only the fields it is told to, including optional ones without a value yet', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ subject: 'Hi' });
    const form = render<HTMLFormElement>(
      '<form><input name="subject"><input name="rating" type="number"></form>',
      'form',
    );
    bindForm(form, draft, { fields: ['rating'] });
    expect(form.querySelector<HTMLInputElement>('[name=subject]')!.value).toBe('');
    pick(form.querySelector<HTMLInputElement>('[name=rating]')!, '5');
    expect(draft.get('rating')).toBe(5);
  });

  it('unbinds every control at once', async () => {
    const { drafts } = await device('ana');
    const draft = await drafts.create({ subject: 'Hi', body: 'text' });
    const form = render<HTMLFormElement>(FORM, 'form');
    const unbind = bindForm(form, draft);
    unbind();
    typeInto(form.querySelector<HTMLInputElement>('[name=subject]')!, '!');
    typeInto(form.querySelector<HTMLTextAreaElement>('[name=body]')!, '!');
    expect(draft.value).toMatchObject({ subject: 'Hi', body: 'text' });
  });
});
