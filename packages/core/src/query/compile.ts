/**
 * Turns a query description into a predicate and a comparator over records. The same functions serve live
 * queries and one-off reads, so both always agree.
 */
import { FerryError } from '../errors.js';
import { sameValue } from '../schema/codec.js';

/** What a compiled query reads from a record: one field by name (fields, id or metadata). */
export type FieldReader = (name: string) => unknown;

export type Predicate = (read: FieldReader) => boolean;
export type Comparator = (a: FieldReader, b: FieldReader) => number;

const OPERATORS = new Set(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'contains']);

export function compileWhere(where: object = {}): Predicate {
  const tests = Object.entries(where).map(([field, condition]) => {
    const test = compileCondition(field, condition);
    return (read: FieldReader) => test(read(field));
  });
  return (read) => tests.every((test) => test(read));
}

function compileCondition(field: string, condition: unknown): (value: unknown) => boolean {
  if (!isOperatorObject(condition)) return (value) => sameValue(value, condition);
  const tests: ((value: unknown) => boolean)[] = [];
  for (const [op, operand] of Object.entries(condition)) {
    if (operand === undefined) continue;
    switch (op) {
      case 'eq':
        tests.push((v) => sameValue(v, operand));
        break;
      case 'ne':
        tests.push((v) => !sameValue(v, operand));
        break;
      case 'gt':
        tests.push((v) => v !== undefined && compareValues(v, operand) > 0);
        break;
      case 'gte':
        tests.push((v) => v !== undefined && compareValues(v, operand) >= 0);
        break;
      case 'lt':
        tests.push((v) => v !== undefined && compareValues(v, operand) < 0);
        break;
      case 'lte':
        tests.push((v) => v !== undefined && compareValues(v, operand) <= 0);
        break;
      case 'in': {
        if (!Array.isArray(operand)) throw new QueryError(`"in" on "${field}" needs an array.`);
        tests.push((v) => operand.some((o) => sameValue(v, o)));
        break;
      }
      case 'contains': {
        const needle = typeof operand === 'string' ? operand.toLowerCase() : undefined;
        tests.push((v) => {
          if (Array.isArray(v)) return v.some((item) => sameValue(item, operand));
          return typeof v === 'string' && needle !== undefined && v.toLowerCase().includes(needle);
        });
        break;
      }
    }
  }
  return (value) => tests.every((test) => test(value));
}

function isOperatorObject(condition: unknown): condition is Record<string, unknown> {
  if (
    typeof condition !== 'object' ||
    condition === null ||
    Array.isArray(condition) ||
    condition instanceof Date
  ) {
    return false;
  }
  const keys = Object.keys(condition);
  return keys.length > 0 && keys.every((k) => OPERATORS.has(k));
}

type OrderKey = string | { readonly field: string; readonly direction?: 'asc' | 'desc' };

export function compileOrder(orderBy: OrderKey | readonly OrderKey[] = []): Comparator {
  const list: readonly OrderKey[] = Array.isArray(orderBy) ? orderBy : [orderBy as OrderKey];
  const keys = list.map((o) =>
    typeof o === 'string' ? { field: o, sign: 1 } : { field: o.field, sign: o.direction === 'desc' ? -1 : 1 },
  );
  return (a, b) => {
    for (const { field, sign } of keys) {
      const c = compareValues(a(field), b(field));
      if (c !== 0) return c * sign;
    }
    return compareValues(a('id'), b('id'));
  };
}

/**
 * A total order over field values: missing values first, then booleans, numbers and dates (by time), strings
 * (by UTF-16 code units, the same on every device), then anything else by its JSON text.
 */
export function compareValues(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  const va = a instanceof Date ? a.getTime() : a;
  const vb = b instanceof Date ? b.getTime() : b;
  if (ra === 4) {
    const ja = JSON.stringify(va);
    const jb = JSON.stringify(vb);
    return ja < jb ? -1 : ja > jb ? 1 : 0;
  }
  return (va as number) < (vb as number) ? -1 : (va as number) > (vb as number) ? 1 : 0;
}

function rank(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'boolean') return 1;
  if (typeof value === 'number' || value instanceof Date) return 2;
  if (typeof value === 'string') return 3;
  return 4;
}

export class QueryError extends FerryError {
  constructor(message: string) {
    super('query', message);
  }
}
