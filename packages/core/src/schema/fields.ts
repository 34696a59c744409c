import type { FileRef } from '../files/FileRef.js';

/**
 * Field builders. A collection is described once with `t.*`; TypeScript infers the record type from the
 * description, and the same description validates writes and decodes merged data at run time.
 */

/** Whether a field must be given on create, may be absent, or falls back to a default. */
export type FieldPresence = 'required' | 'optional' | 'default';

export type FieldKind =
  | 'text'
  | 'string'
  | 'number'
  | 'boolean'
  | 'date'
  | 'enum'
  | 'ref'
  | 'list'
  | 'object'
  | 'file';

// biome-ignore lint/suspicious/noExplicitAny: a shape holds fields of every value type.
export type AnyField = Field<any, any, FieldPresence, FieldKind>;
export type Shape = { readonly [name: string]: AnyField };

export type FieldSpec =
  | { readonly kind: 'text' | 'string' | 'number' | 'boolean' | 'date' | 'file' }
  | { readonly kind: 'enum'; readonly values: readonly string[] }
  | { readonly kind: 'ref'; readonly collection: string }
  | { readonly kind: 'list'; readonly item: AnyField }
  | { readonly kind: 'object'; readonly shape: Shape };

/**
 * How concurrent writes to a plain field merge: `yjs` (the default) keeps the one Yjs orders last, by client
 * id; `latest` keeps the last written, by a hybrid logical clock (ties broken by author).
 */
export type MergePolicy = 'yjs' | 'latest';

/**
 * One field of a collection. `Out` is what reads return, `In` what writes accept, `P` whether the field may
 * be left out. Instances are immutable: `optional()` and `default()` return new fields.
 */
export class Field<Out, In = Out, P extends FieldPresence = 'required', K extends FieldKind = FieldKind> {
  declare readonly __types?: { out: Out; in: In; presence: P; kind: K };

  constructor(
    readonly spec: FieldSpec,
    readonly presence: P,
    private readonly fallback?: In | (() => In),
    /** How concurrent writes to this field merge (plain fields only). */
    readonly policy: MergePolicy = 'yjs',
  ) {}

  get kind(): FieldKind {
    return this.spec.kind;
  }

  /** The field may be absent; reads return `undefined` for it. */
  optional(): Field<Out, In, 'optional', K> {
    return new Field<Out, In, 'optional', K>(this.spec, 'optional', undefined, this.policy);
  }

  /** Used on create when the field is not given, and on read when merged data is missing or invalid. */
  default(value: In | (() => In)): Field<Out, In, 'default', K> {
    return new Field(this.spec, 'default', value, this.policy);
  }

  /**
   * How concurrent writes to this plain field merge: `'latest'` keeps the last one written (by a hybrid
   * logical clock, which a device's clock running behind cannot undo), `'yjs'` the one Yjs orders last.
   */
  merge(policy: MergePolicy): Field<Out, In, P, K> {
    return new Field(this.spec, this.presence, this.fallback, policy);
  }

  /** The default value, computed afresh (a default function runs once per call). */
  defaultValue(): In | undefined {
    const fallback = this.fallback;
    return typeof fallback === 'function' ? (fallback as () => In)() : fallback;
  }
}

/** Optional fields that can be absent; text and lists are never absent, only empty. */
export type MayBeAbsent<F> =
  PresenceOf<F> extends 'optional' ? (KindOf<F> extends 'text' | 'list' ? false : true) : false;

/** What a read of the whole record returns. Optional fields may be missing; others are always there. */
export type Output<S extends Shape> = Simplify<
  { [K in keyof S as MayBeAbsent<S[K]> extends true ? never : K]: OutOf<S[K]> } & {
    [K in keyof S as MayBeAbsent<S[K]> extends true ? K : never]?: OutOf<S[K]>;
  }
>;

/** What `create` accepts: required fields must be given. */
export type Input<S extends Shape> = Simplify<
  { [K in keyof S as PresenceOf<S[K]> extends 'required' ? K : never]: InOf<S[K]> } & {
    [K in keyof S as PresenceOf<S[K]> extends 'required' ? never : K]?: InOf<S[K]>;
  }
>;

/** What `update` accepts: any subset of fields; `undefined` clears an optional field. */
export type Patch<S extends Shape> = Simplify<{
  [K in keyof S]?: PresenceOf<S[K]> extends 'optional' ? InOf<S[K]> | undefined : InOf<S[K]>;
}>;

/** What `set(field, value)` accepts for one field. */
export type FieldInput<S extends Shape, K extends keyof S> =
  PresenceOf<S[K]> extends 'optional' ? InOf<S[K]> | undefined : InOf<S[K]>;

export type OutOf<F> = F extends Field<infer O, infer _I, infer _P, infer _K> ? O : never;
export type InOf<F> = F extends Field<infer _O, infer I, infer _P, infer _K> ? I : never;
export type PresenceOf<F> = F extends Field<infer _O, infer _I, infer P, infer _K> ? P : never;
export type KindOf<F> = F extends Field<infer _O, infer _I, infer _P, infer K> ? K : never;
/** Names of the fields of a shape that hold collaborative text. */
export type TextFieldOf<S extends Shape> = {
  [K in keyof S]: KindOf<S[K]> extends 'text' ? K : never;
}[keyof S] &
  string;
/** Names of the fields of a shape that hold lists. */
export type ListFieldOf<S extends Shape> = {
  [K in keyof S]: KindOf<S[K]> extends 'list' ? K : never;
}[keyof S] &
  string;

/** Names of the fields of a shape that hold files, or lists of files. */
export type FileFieldOf<S extends Shape> = {
  [K in keyof S]: KindOf<S[K]> extends 'file'
    ? K
    : S[K] extends Field<infer _O, infer _I, infer _P, 'list'>
      ? OutOf<S[K]> extends readonly { hash: string }[]
        ? K
        : never
      : never;
}[keyof S] &
  string;

export type Simplify<T> = { [K in keyof T]: T[K] } & {};

const simple = <T, K extends 'text' | 'string' | 'number' | 'boolean' | 'date'>(kind: K) =>
  new Field<T, T, 'required', K>({ kind }, 'required');

/** The field builders. */
export const t = {
  /** Collaborative text (a Y.Text): concurrent edits interleave and nothing typed is dropped. */
  text: () => simple<string, 'text'>('text'),
  /** A plain string: concurrent writes resolve to one of them. */
  string: () => simple<string, 'string'>('string'),
  /** A finite number. */
  number: () => simple<number, 'number'>('number'),
  boolean: () => simple<boolean, 'boolean'>('boolean'),
  /** A point in time, stored as milliseconds since the epoch and read as a `Date`. */
  date: () => simple<Date, 'date'>('date'),
  /** One of a fixed set of strings. */
  enum: <const V extends readonly [string, ...string[]]>(values: V) =>
    new Field<V[number], V[number], 'required', 'enum'>({ kind: 'enum', values }, 'required'),
  /** The id of a record in another collection. */
  ref: (collection: string) =>
    new Field<string, string, 'required', 'ref'>({ kind: 'ref', collection }, 'required'),
  /** An ordered list (a Y.Array); pushes from several replicas all survive. */
  list: <F extends AnyField>(item: F) =>
    new Field<OutOf<F>[], InOf<F>[], 'required', 'list'>({ kind: 'list', item }, 'required'),
  /** A nested object (a Y.Map); each of its fields merges on its own. */
  object: <S extends Shape>(shape: S) =>
    new Field<Output<S>, Input<S>, 'required', 'object'>({ kind: 'object', shape }, 'required'),
  /**
   * A file: the record holds a reference (hash, size, type, name), the bytes live apart. Make one with
   * `await ferry.files.add(bytes, { name, type })`; read the bytes with `await record.file(field)`.
   */
  file: () => new Field<FileRef, FileRef, 'required', 'file'>({ kind: 'file' }, 'required'),
};
