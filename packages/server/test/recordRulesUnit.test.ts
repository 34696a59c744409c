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

  it('answers an indexed rule as the same rule written as a function, and keeps the same readers', () => {
    const indexed = new RecordRules({ mail: { read: { field: ['participants', 'from'], claim: 'sub' } } });
    const asFunction = new RecordRules({
      mail: {
        read: (user, fields) =>
          typeof user.sub === 'string' &&
          (fields.from === user.sub ||
            fields.participants === user.sub ||
            (Array.isArray(fields.participants) && fields.participants.includes(user.sub))),
      },
    });
    const withFrom = (participants: unknown, from: unknown) => {
      const doc = new Y.Doc();
      doc.getMap('fields').set('participants', participants);
      doc.getMap('fields').set('from', from);
      return viewRecord('mail', 'm1', doc, undefined);
    };
    const records = [
      withFrom(['ana', 'ben'], 'kim'),
      withFrom('eve', 'ana'),
      withFrom([3, null, 'eve'], 7),
      withFrom([], ''),
      withFrom(undefined, undefined),
    ];
    const principals = [ana, eve, { id: 'x', sub: 3 }, { id: 'nobody' }];
    for (const record of records)
      for (const principal of principals)
        expect(indexed.canRead(principal, record), JSON.stringify([record.fields, principal])).toBe(
          asFunction.canRead(principal, record),
        );
    expect(indexed.readersOf(records[0]!)).toEqual(['ana', 'ben', 'kim']);
    expect(indexed.readersOf(records[2]!)).toEqual(['eve']);
    expect(indexed.readerKey('mail', eve)).toBe('eve');
    expect(indexed.readerKey('mail', { id: 'x', sub: 3 })).toBeUndefined();
    expect(asFunction.readersOf(records[0]!)).toBeUndefined();
    // A record nobody wrote is readable by nobody.
    expect(indexed.readersOf(viewRecord('mail', 'm2', new Y.Doc(), undefined))).toEqual([]);
  });

  it('refuses a read rule that is neither a function nor { field }, and a write rule that is not a function', () => {
    expect(() => new RecordRules({ mail: { read: { field: 3 } as never } })).toThrow(
      'The read rule of "mail" must be a function or { field, claim? }',
    );
    expect(() => new RecordRules({ mail: { write: { field: 'from' } as never } })).toThrow(
      'The write rule of "mail" must be a function.',
    );
  });
});
