/**
 * live-query: a subscribed query (where + orderBy) over many records on one client, and how long one
 * update takes to reach its subscriber; the naive filter-and-sort-everything approach runs alongside as a
 * reference. No relay: this is the client's own cost.
 */
import { createFerry, MemoryStorage, silentLogger } from '@ferry/core';
import { naiveOpenTasks, openTasksQuery } from '../../ferry/openTasksQuery.js';
import { randomTask, tasks } from '../../ferry/tasks.js';
import { reprioritizeRandomTask } from '../../ferry/taskUpdates.js';
import { Reaction } from '../../lib/latency.js';
import { seededRandom } from '../../lib/random.js';
import { summarize } from '../../lib/stats.js';
import { msSince, timed } from '../../lib/stopwatch.js';
import type { BenchSize, Metric, Workload, WorkloadResult } from '../../workload.js';

export const liveQuery: Workload = {
  name: 'live-query',
  system: 'ferry',
  description: 'update() to subscriber call for a where+orderBy live query over 6-field records.',
  async run(size: BenchSize): Promise<WorkloadResult> {
    const client = await createFerry({ storage: new MemoryStorage(), logger: silentLogger });
    const collection = client.collection(tasks);
    const random = seededRandom(7);

    const createStart = performance.now();
    for (let n = 0; n < size.records; n++) void collection.create(randomTask(random, n), { id: `t${n}` });
    await client.flush();
    const createMs = msSince(createStart);

    // Unsubscribed, `current` computes the result from scratch: what a screen opening a list pays.
    const fresh = await timed(() => openTasksQuery(collection).current);
    const openIds = fresh.result.map((task) => task.id);

    const warmup = Math.min(20, Math.ceil(size.liveUpdates / 5));
    const reaction = new Reaction();
    const query = openTasksQuery(collection);
    const subscribed = await timed(() => query.subscribe(reaction.fire));
    const unsubscribe = subscribed.result;
    const live = await reaction.time(size.liveUpdates, warmup, () =>
      reprioritizeRandomTask(collection, openIds, random),
    );
    unsubscribe();

    let naiveResult = naiveOpenTasks(collection);
    let scheduled = false;
    // Recomputed once per tick, like the live query, so both react to the same changes.
    const stopNaive = collection.on('change', () => {
      if (scheduled) return;
      scheduled = true;
      queueMicrotask(() => {
        scheduled = false;
        naiveResult = naiveOpenTasks(collection);
        reaction.fire();
      });
    });
    const naive = await reaction.time(size.liveUpdates, warmup, () =>
      reprioritizeRandomTask(collection, openIds, random),
    );
    stopNaive();
    assertSameOrder(
      naiveResult.map((task) => task.id),
      query.current.map((task) => task.id),
    );
    await client.close();

    return {
      workload: 'live-query',
      system: 'ferry',
      size: size.name,
      params: { records: size.records, matching: openIds.length, updates: size.liveUpdates, warmup },
      metrics: {
        [`create ${size.records} records`]: { value: createMs, unit: 'ms' },
        'create, per record': { value: (createMs * 1000) / size.records, unit: 'µs' },
        'fresh query: first current': { value: fresh.ms, unit: 'ms' },
        'subscribe (initial result)': { value: subscribed.ms, unit: 'ms' },
        'matching records': { value: openIds.length, unit: 'records' },
        ...latencyMetrics('update → subscriber', live),
        ...latencyMetrics('naive: update → re-filtered list', naive),
      },
      samples: { 'update → subscriber': live, 'naive: update → re-filtered list': naive },
    };
  },
};

function latencyMetrics(label: string, samples: readonly number[]): Record<string, Metric> {
  const { p50, p99, mean } = summarize(samples);
  return {
    [`${label} p50`]: { value: p50, unit: 'ms' },
    [`${label} p99`]: { value: p99, unit: 'ms' },
    [`${label} mean`]: { value: mean, unit: 'ms' },
  };
}

/** The naive reference must compute the same list, or comparing their times means nothing. */
function assertSameOrder(naive: readonly string[], live: readonly string[]): void {
  const same = naive.length === live.length && naive.every((id, i) => id === live[i]);
  if (!same) throw new Error('live-query: the naive reference and the live query disagree.');
}
