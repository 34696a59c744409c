/** The collections the fuzzed relay knows a schema for; others (`fuzz`) it serves as stored. */
import { defineCollection, t } from '@ferry/core';

/** Fuzzed with values of every type against these fields. */
export const typed = defineCollection('typed', {
  title: t.string().default(''),
  body: t.text().default(''),
  count: t.number().default(0),
  tags: t.list(t.string()).default([]),
});

/** Holds the bystander record, which no case touches: it must load and round-trip after every case. */
export const bystander = defineCollection('bystander', {
  title: t.string().default(''),
  body: t.text().default(''),
});

export const fuzzCollections = [typed, bystander];
