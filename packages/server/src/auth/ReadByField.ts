import type { Principal } from './Auth.js';

/**
 * A read rule the relay can index: a record is readable by the principals whose claim (`id` by default) is
 * named in one of its fields, as the field's value or as an item of a list. The relay keeps, as each change
 * is committed, which principals a record is readable by, so a principal's sync reads only its own records
 * instead of asking a rule of every record in the collection.
 */
export interface ReadByField {
  /** The field, or fields, naming who may read the record: a string or a list of strings each. */
  readonly field: string | readonly string[];
  /** The principal's claim compared with them (default `id`). */
  readonly claim?: string;
}

export function isReadByField(rule: unknown): rule is ReadByField {
  if (typeof rule !== 'object' || rule === null) return false;
  const { field, claim } = rule as ReadByField;
  const fields = typeof field === 'string' ? [field] : field;
  return (
    Array.isArray(fields) &&
    fields.length > 0 &&
    fields.every((name) => typeof name === 'string') &&
    (claim === undefined || typeof claim === 'string')
  );
}

const fieldsOf = (rule: ReadByField): readonly string[] =>
  typeof rule.field === 'string' ? [rule.field] : rule.field;

/** The keys a record with these fields is readable by: every string its rule's fields name, once each. */
export function readersOf(rule: ReadByField, fields: Readonly<Record<string, unknown>>): string[] {
  const readers = new Set<string>();
  for (const name of fieldsOf(rule)) {
    const value = fields[name];
    if (typeof value === 'string') readers.add(value);
    else if (Array.isArray(value)) for (const item of value) if (typeof item === 'string') readers.add(item);
  }
  return [...readers];
}

/** The key a principal reads by: its claim, when that is a string; a principal without one reads nothing. */
export function readerKeyOf(rule: ReadByField, principal: Principal): string | undefined {
  const key = principal[rule.claim ?? 'id'];
  return typeof key === 'string' ? key : undefined;
}

/** The rule as a function, so that every path asks it the same way as a rule written as one. */
export function readByFieldRule(
  rule: ReadByField,
): (principal: Principal, fields: Readonly<Record<string, unknown>>) => boolean {
  const names = fieldsOf(rule);
  return (principal, fields) => {
    const key = readerKeyOf(rule, principal);
    if (key === undefined) return false;
    for (const name of names) {
      const value = fields[name];
      if (value === key || (Array.isArray(value) && value.includes(key))) return true;
    }
    return false;
  };
}

/**
 * Names what the index was built from: a mark kept under it says how far the index is built. Another rule
 * has another name, and its index is built afresh.
 */
export function indexMarkOf(collection: string, rule: ReadByField): string {
  return `readers:${collection}:${JSON.stringify([fieldsOf(rule), rule.claim ?? 'id'])}`;
}
