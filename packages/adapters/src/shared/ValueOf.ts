import type { Field } from '@ferry/core';

/** What reading a field gives: a string for text, a Date for a date field… */
// biome-ignore lint/suspicious/noExplicitAny: only the read type is wanted; the other parameters can be anything.
export type ValueOf<F> = F extends Field<infer Out, any, any, any> ? Out : never;
