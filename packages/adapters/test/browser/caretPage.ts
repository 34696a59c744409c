/**
 * The page of the caret test: a textarea and a contenteditable element bound to the same note on this
 * "device", and a second device in the same page whose edits arrive as remote changes.
 */
import { bindField } from '@ferry/adapters/dom';
import { createFerry, defineCollection, type FerryClient, MemoryStorage, t } from '@ferry/core';
import * as Y from 'yjs';

type Field = 'body' | 'title' | 'note';
const notes = defineCollection('notes', { body: t.text(), title: t.text(), note: t.text().default('') });

/** Sends every local change of one client to the other at once, as a relay would. */
function link(from: FerryClient, to: FerryClient): void {
  from.documents.on('change', ({ name, updates, local }) => {
    if (!local || name.startsWith('~')) return;
    for (const update of updates) Y.applyUpdate(to.documents.open(name), update, 'peer');
  });
}

async function start() {
  const here = await createFerry({ storage: new MemoryStorage(), actor: 'here' });
  const there = await createFerry({ storage: new MemoryStorage(), actor: 'there' });
  link(here, there);
  link(there, here);
  const note = await here
    .collection(notes)
    .create({ body: 'The quick brown fox', title: 'Fox' }, { id: 'n' });
  const remote = there.collection(notes).get('n')!;
  bindField(document.querySelector('textarea')!, note, 'body');
  bindField(document.querySelector<HTMLElement>('[contenteditable=plaintext-only]')!, note, 'title');
  bindField(document.querySelector<HTMLElement>('[contenteditable=true]')!, note, 'note');
  const page = {
    /** Text as this device's record holds it. */
    local: (field: Field) => note.get(field),
    /** An edit made on the other device. */
    remoteInsert: (field: Field, index: number, text: string) => remote.text(field).insert(index, text),
    remoteDelete: (field: Field, index: number, length: number) => remote.text(field).delete(index, length),
  };
  Object.assign(globalThis, { caretPage: page });
  document.body.dataset.ready = 'true';
}

void start();
