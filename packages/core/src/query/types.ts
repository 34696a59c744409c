import type { Output, Shape } from '../schema/fields.js';

/** A record as reads return it: its id and its fields as plain values. */
export type RecordValue<S extends Shape> = Readonly<Output<S> & { id: string }>;

/** Fields a query can filter and sort on: the record's own, its id and the library's metadata. */
export type Queryable<S extends Shape> = Output<S> & {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  createdBy: string;
  updatedBy: string;
};

/** A condition on one field. A bare value means equality. */
export type Condition<V> =
  | V
  | {
      eq?: V;
      ne?: V;
      gt?: V;
      gte?: V;
      lt?: V;
      lte?: V;
      in?: readonly V[];
      /** Strings: case-insensitive substring. Lists: holds this item. */
      contains?: V extends readonly (infer I)[] ? I : string;
    };

export type Where<S extends Shape> = { [K in keyof Queryable<S>]?: Condition<NonNullable<Queryable<S>[K]>> };

export type Direction = 'asc' | 'desc';
export type OrderBy<S extends Shape> =
  | (keyof Queryable<S> & string)
  | { field: keyof Queryable<S> & string; direction?: Direction };

export interface QuerySpec<S extends Shape> {
  where?: Where<S>;
  /** One or more fields; ties are broken by id, so the order is the same on every replica. */
  orderBy?: OrderBy<S> | readonly OrderBy<S>[];
  limit?: number;
}
