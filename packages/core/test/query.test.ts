import { describe, expect, it } from 'vitest';
import { compareValues, type QuerySpec, type RecordValue } from '../src/index.js';
import { compileOrder, compileWhere } from '../src/query/compile.js';
import { LiveQuery, type QueryEntry, type QuerySource } from '../src/query/LiveQuery.js';
import { seededRandom, seedFromEnv } from '../src/testing/index.js';
import { memoryClient, type tasks } from './fixtures.js';

type S = (typeof tasks)['fields'];
type Task = RecordValue<S>;

const nextTick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The obvious implementation: filter and sort the whole collection. */
function reference(all: { value: Task; read: (f: string) => unknown }[], spec: QuerySpec<S>): Task[] {
  const matches = compileWhere(spec.where);
  const order = compileOrder(spec.orderBy as never);
  return all
    .filter((e) => matches(e.read))
    .sort((x, y) => order(x.read, y.read))
    .slice(0, spec.limit ?? Number.POSITIVE_INFINITY)
    .map((e) => e.value);
}

describe('live queries', () => {
  it('filters by equality, ranges, in and contains, and orders by several fields', async () => {
    const { client, tasks: collection } = await memoryClient('ana');
    await collection.create({ title: 'Buy Milk', estimate: 2, status: 'todo' }, { id: 'a' });
    await collection.create({ title: 'Call mum', estimate: 5, status: 'doing' }, { id: 'b' });
    await collection.create({ title: 'milk the cow', estimate: 5, status: 'done' }, { id: 'c' });
    await collection.create({ title: 'Fix bike', estimate: 8, status: 'todo', tags: ['home'] }, { id: 'd' });
    const ids = (spec: QuerySpec<S>) => collection.query(spec).current.map((r) => r.id);
    expect(ids({ where: { status: 'todo' } })).toEqual(['a', 'd']);
    expect(ids({ where: { estimate: { gte: 5, lt: 8 } } })).toEqual(['b', 'c']);
    expect(ids({ where: { status: { in: ['doing', 'done'] } } })).toEqual(['b', 'c']);
    expect(ids({ where: { title: { contains: 'MILK' } } })).toEqual(['a', 'c']);
    expect(ids({ where: { tags: { contains: 'home' } } })).toEqual(['d']);
    expect(
      ids({ where: { status: { ne: 'todo' } }, orderBy: { field: 'title', direction: 'desc' } }),
    ).toEqual(['c', 'b']);
    expect(ids({ orderBy: [{ field: 'estimate', direction: 'desc' }, 'title'] })).toEqual([
      'd',
      'b',
      'c',
      'a',
    ]);
    expect(ids({ orderBy: 'estimate', limit: 2 })).toEqual(['a', 'b']);
    expect(() => collection.query({ where: { colour: 'red' } as never })).toThrow(/no field "colour"/);
    await client.close();
  });

  it('updates subscribers once per tick with the new result', async () => {
    const { client, tasks: collection } = await memoryClient('ana');
    const query = collection.query({ where: { done: false }, orderBy: 'title' });
    const results: string[][] = [];
    query.subscribe((current) => results.push(current.map((r) => r.title)));
    const b = await collection.create({ title: 'b' });
    void collection.create({ title: 'a' });
    void collection.create({ title: 'c' });
    await nextTick();
    await b.set('done', true);
    await nextTick();
    expect(results).toEqual([['b'], ['a', 'b', 'c'], ['a', 'c']]);
    await client.close();
  });

  it('re-evaluates only the changed record, never the whole collection', () => {
    let scans = 0;
    let notify: (id: string, entry: QueryEntry<{ n: number }> | undefined) => void = () => {};
    const entry = (id: string, n: number): QueryEntry<{ n: number }> => ({
      id,
      value: { n },
      read: (f) => (f === 'id' ? id : n),
    });
    const source: QuerySource<{ n: number }> = {
      version: 0,
      *entries() {
        scans++;
        for (let i = 0; i < 1000; i++) yield entry(`r${i}`, i);
      },
      watch(listener) {
        notify = listener;
        return () => {};
      },
    };
    const query = new LiveQuery(source, compileWhere({ n: { gte: 10 } }), compileOrder('n'), 3);
    query.subscribe(() => {});
    expect(scans).toBe(1);
    notify('r500', entry('r500', -1));
    notify('r0', entry('r0', 10.5));
    notify('r11', undefined);
    expect(query.current.map((v) => v.n)).toEqual([10, 10.5, 12]);
    expect(scans).toBe(1);
  });

  it('agrees with a full filter-and-sort on random data and random changes', async () => {
    const seed = seedFromEnv();
    const random = seededRandom(seed);
    const { client, clock, tasks: collection } = await memoryClient('ana');
    const words = ['apple', 'Banana', 'cherry', 'date', 'Elder', 'fig'];
    const statuses = ['todo', 'doing', 'done'] as const;
    const randomValues = () => ({
      title: `${random.pick(words)} ${random.int(0, 20)}`,
      estimate: random.int(0, 10),
      done: random.chance(0.5),
      status: random.pick(statuses),
      due: random.chance(0.7) ? new Date(Date.UTC(2026, 0, random.int(1, 28))) : undefined,
      tags: random.chance(0.5) ? [random.pick(words)] : [],
    });
    const specs: QuerySpec<S>[] = [
      { where: { done: false }, orderBy: 'title' },
      {
        where: { estimate: { gt: 3, lte: 8 } },
        orderBy: [{ field: 'estimate', direction: 'desc' }, 'title'],
        limit: 7,
      },
      { where: { status: { in: ['todo', 'doing'] }, title: { contains: 'an' } }, orderBy: 'due' },
      {
        where: { due: { gte: new Date(Date.UTC(2026, 0, 10)) } },
        orderBy: { field: 'updatedAt', direction: 'desc' },
      },
      { where: { tags: { contains: 'fig' } }, orderBy: 'createdAt', limit: 3 },
      { orderBy: 'estimate', limit: 5 },
    ];
    const live = specs.map((spec) => collection.query(spec));
    for (const query of live) query.subscribe(() => {});
    const ids: string[] = [];
    for (let step = 0; step < 600; step++) {
      clock.now += random.int(0, 3);
      const roll = random.next();
      if (roll < 0.3 || ids.length === 0) {
        ids.push((await collection.create(randomValues())).id);
      } else {
        const id = random.pick(ids);
        const record = collection.get(id);
        if (!record) await collection.restore(id);
        else if (roll < 0.4) await record.delete();
        else {
          const values = randomValues();
          const key = random.pick(Object.keys(values) as (keyof typeof values)[]);
          await record.update({ [key]: values[key] });
        }
      }
      if (step % 25 === 0 || step === 599) {
        await nextTick();
        const all = [...collection.entries()];
        specs.forEach((spec, i) => {
          expect(
            live[i]!.current,
            `seed ${seed} (replay: FERRY_SEED=${seed}), query ${i}, step ${step}`,
          ).toEqual(reference(all, spec));
        });
      }
    }
    await client.close();
  });
});

describe('compareValues', () => {
  it('is a total order: missing (null),  booleans, numbers and dates, strings, then the rest', () => {
    const values = ['b', 2, null, true, new Date(1), 'a', false, 1, [1]];
    const sorted = [...values].sort(compareValues);
    expect(sorted).toEqual([null, false, true, new Date(1), 1, 2, 'a', 'b', [1]]);
  });
});
