/**
 * Every error Ferry throws on purpose is a `FerryError` with a stable `code`, so that apps can branch on
 * the code rather than on message text.
 */
export class FerryError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A write did not fit the collection's schema. Nothing was changed. */
export class ValidationError extends FerryError {
  constructor(
    readonly collection: string,
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(
      'validation',
      `Field "${field}" of "${collection}" expects ${expected}, got ${describeValue(value)}. Nothing was changed.`,
    );
  }
}

/** A collection, record or field name is not allowed. */
export class InvalidNameError extends FerryError {
  constructor(message: string) {
    super('invalid-name', message);
  }
}

/** The record does not exist on this replica. */
export class RecordNotFoundError extends FerryError {
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super('not-found', `Record "${id}" does not exist in "${collection}".`);
  }
}

/** The record was deleted; restore it before writing to it. */
export class RecordDeletedError extends FerryError {
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super('deleted', `Record "${id}" of "${collection}" was deleted; call restore() before changing it.`);
  }
}

/** `create` was given an id that this replica already holds. */
export class DuplicateRecordError extends FerryError {
  constructor(
    readonly collection: string,
    readonly id: string,
  ) {
    super('duplicate', `Record "${id}" already exists in "${collection}"; use update() to change it.`);
  }
}

/** The local store failed or is full. The in-memory state is kept; retry or free space. */
export class StorageError extends FerryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('storage', message, options);
  }
}

/** The client was used after `close()`. */
export class ClosedError extends FerryError {
  constructor(what: string) {
    super('closed', `${what} is closed.`);
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? 'an invalid Date' : `Date ${value.toISOString()}`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string')
    return `${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)} (string)`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${String(value)} (${typeof value})`;
}

/** The relay refused a record's change for good; the record was rolled back (see `record.on('rejected')`). */
export class WriteRejectedError extends FerryError {
  constructor(
    /** The document, `<collection>/<id>`. */
    readonly document: string,
    /** The relay's reason, a DocumentErrorCode. */
    readonly reason: number,
    message: string,
  ) {
    super('rejected', `The relay refused the change to "${document}": ${message}`);
  }
}
