/** The sync workloads' collection: twenty fields per record, like a CRM's contacts. */
import { defineCollection, type Input, t } from '@ferry/core';
import { integer, pick } from '../lib/random.js';

export const contacts = defineCollection('contacts', {
  name: t.string(),
  email: t.string(),
  phone: t.string(),
  company: t.string(),
  jobTitle: t.string(),
  street: t.string(),
  city: t.string(),
  postcode: t.string(),
  country: t.string(),
  website: t.string(),
  notes: t.text(),
  score: t.number(),
  revenue: t.number(),
  employees: t.number(),
  active: t.boolean(),
  vip: t.boolean(),
  lastContact: t.date(),
  birthday: t.date(),
  stage: t.enum(['lead', 'prospect', 'customer', 'churned']),
  tags: t.list(t.string()),
});

type ContactInput = Input<(typeof contacts)['fields']>;

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Ken', 'Radia', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Allen', 'Thompson'];
const CITIES = ['Lisbon', 'Oslo', 'Kyoto', 'Lagos', 'Quito', 'Perth', 'Tallinn', 'Montreal'];
const DAY_MS = 86_400_000;

export function randomContact(random: () => number, n: number): ContactInput {
  const name = `${pick(random, FIRST)} ${pick(random, LAST)}`;
  const handle = `${name.toLowerCase().replace(' ', '.')}${n}`;
  return {
    name,
    email: `${handle}@example.com`,
    phone: `+1 555 ${String(integer(random, 10_000_000)).padStart(7, '0')}`,
    company: `${pick(random, LAST)} ${pick(random, ['Ltd', 'Inc', 'GmbH', 'SA'])}`,
    jobTitle: pick(random, ['CTO', 'Engineer', 'Buyer', 'Founder', 'Analyst']),
    street: `${integer(random, 300) + 1} ${pick(random, ['High', 'Main', 'Church', 'Mill'])} Street`,
    city: pick(random, CITIES),
    postcode: String(integer(random, 100_000)).padStart(5, '0'),
    country: pick(random, ['PT', 'NO', 'JP', 'NG', 'EC', 'AU', 'EE', 'CA']),
    website: `https://${handle}.example.org`,
    notes: `Met at conference ${integer(random, 50)}; follow up about order ${integer(random, 100_000)}.`,
    score: integer(random, 100),
    revenue: integer(random, 1_000_000),
    employees: integer(random, 5000),
    active: random() < 0.8,
    vip: random() < 0.1,
    lastContact: new Date(Date.UTC(2025, 0, 1) + integer(random, 365) * DAY_MS),
    birthday: new Date(Date.UTC(1960, 0, 1) + integer(random, 15_000) * DAY_MS),
    stage: pick(random, ['lead', 'prospect', 'customer', 'churned'] as const),
    tags: [pick(random, ['partner', 'press', 'investor', 'supplier'])],
  };
}

/** The id of the n-th seeded contact: predictable, so other clients can address the same records. */
export function contactId(n: number): string {
  return `c${n}`;
}

/** The ids of the first `count` seeded contacts. */
export function contactIds(count: number): string[] {
  return Array.from({ length: count }, (_, n) => contactId(n));
}
