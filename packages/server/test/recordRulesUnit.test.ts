import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { RecordRules } from '../src/auth/RecordRules.js';
import { viewRecord } from '../src/documents/RecordView.js';

const ana = { id: 'ana', sub: 'ana' };
const eve = { id: 'eve', sub: 'eve' };

function mail(participants: unknown): ReturnType<typeof viewRecord> {
  const doc = new Y.Doc();
  doc.getMap('fields').set('participants', participants);
  return viewRecord('mail', 'm1', doc, undefined);
}

describe('RecordRules', () => {
  it('answers a read rule from the principal and the record fields', () => {
    const rules = new RecordRules({
      mail: { read: (user, fields) => (fields.participants as string[]).includes(user.sub as string) },
    });
    expect(rules.canRead(ana, mail(['ana', 'ben']))).toBe(true);
    expect(rules.canRead(eve, mail(['ana', 'ben']))).toBe(false);
    expect(rules.readsByContent('mail')).toBe(true);
    expect(rules.readsByContent('notes')).toBe(false);
    expect(rules.canRead(eve, { ...mail([]), collection: 'notes' })).toBe(true);
  });

  it('denies when a rule throws or answers anything but true', () => {
    const rules = new RecordRules({
      a: {
        read: () => 'yes' as unknown as boolean,
        write: () => Promise.resolve(true) as unknown as boolean,
      },
      b: {
        read: () => {
          throw new Error('broken rule');
        },
      },
    });
    expect(rules.canRead(ana, { ...mail([]), collection: 'a' })).toBe(false);
    expect(rules.canWrite(ana, { ...mail([]), collection: 'a' })).toBe(false);
    expect(rules.canRead(ana, { ...mail([]), collection: 'b' })).toBe(false);
  });

  it('gives rules a frozen view: one rule cannot change what the next sees', () => {
    const view = mail(['ana']);
    const rules = new RecordRules({
      mail: {
        read: (_user, fields) => {
          (fields.participants as string[]).push('eve');
          return true;
        },
      },
    });
    expect(rules.canRead(ana, view)).toBe(false);
    expect(view.fields.participants).toEqual(['ana']);
    expect(view.exists).toBe(true);
  });
});
