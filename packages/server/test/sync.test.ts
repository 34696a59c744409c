import { defineCollection, t } from '@ferry/core';
import { describe, expect, it } from 'vitest';
import { startClient, startRelay, until } from './helpers.js';

const drafts = defineCollection('drafts', {
  subject: t.string(),
  body: t.text().default(''),
  to: t.list(t.string()).default([]),
  urgent: t.boolean().default(false),
});

describe('sync through the relay', () => {
  it('replicates a record from one client to another and marks it saved', async () => {
    const relay = await startRelay();
    const ana = await startClient(relay, { actor: 'ana' });
    const bo = await startClient(relay, { actor: 'bo' });
    const anaDrafts = ana.collection(drafts);
    const boDrafts = bo.collection(drafts);
    const draft = await anaDrafts.create({ subject: 'Hello', body: 'Hi Bo' }, { id: 'd1' });
    expect(['local', 'sent']).toContain(draft.status);
    await draft.whenSaved();
    expect(draft.status).toBe('saved');
    await until(
      (l) => boDrafts.on('change', l),
      () => boDrafts.get('d1') !== undefined,
    );
    expect(boDrafts.get('d1')?.value).toMatchObject({ subject: 'Hello', body: 'Hi Bo' });
    expect(boDrafts.get('d1')?.meta.createdBy).toBe('ana');
    await Promise.all([ana.whenSynced(), bo.whenSynced()]);
    expect(ana.sync?.status.pending).toBe(0);
  });

  it('merges edits made while one client was offline, with nothing lost', async () => {
    const relay = await startRelay();
    const ana = await startClient(relay);
    const bo = await startClient(relay);
    const a = ana.collection(drafts);
    const b = bo.collection(drafts);
    await a.create({ subject: 'Plan', body: 'The plan', to: ['x@example.com'] }, { id: 'p' });
    await ana.whenSynced();
    await bo.whenSynced();
    expect(b.get('p')?.get('body')).toBe('The plan');

    bo.sync!.disconnect();
    await b.get('p')!.set('body', 'The secret plan');
    await b.get('p')!.update({ urgent: true, to: ['x@example.com', 'bo@example.com'] });
    await a.get('p')!.set('body', 'The plan, revised');
    await a.get('p')!.set('to', ['x@example.com', 'ana@example.com']);
    await a.create({ subject: 'New while Bo was away' }, { id: 'n' });
    expect(bo.sync!.status).toMatchObject({ connection: 'offline', pending: 1 });
    expect(b.get('p')!.status).toBe('local');

    bo.sync!.connect();
    await Promise.all([ana.whenSynced(), bo.whenSynced()]);
    await until(
      (l) => a.on('change', l),
      () => a.get('p')!.get('urgent'),
    );
    for (const side of [a, b]) {
      const p = side.get('p')!;
      expect(p.get('body')).toBe('The secret plan, revised');
      expect(p.get('urgent')).toBe(true);
      expect([...p.get('to')].sort()).toEqual(['ana@example.com', 'bo@example.com', 'x@example.com']);
      expect(side.get('n')?.get('subject')).toBe('New while Bo was away');
    }
    expect(ana.sync!.status.pending).toBe(0);
    expect(bo.sync!.status.pending).toBe(0);
    expect(b.get('p')!.status).toBe('saved');
  });
});
