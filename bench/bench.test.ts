/**
 * Every workload at the tiny size, so CI proves the benchmarks still run: against real server processes,
 * real client libraries and Chromium. It checks what the results hold and that their sanity checks passed
 * (every record arrived, the replicas agree); it never judges a time.
 */
import { describe, expect, it } from 'vitest';
import { SIZES } from './lib/sizes.js';
import { formatReport } from './report/formatReport.js';
import type { WorkloadResult } from './workload.js';
import { WORKLOADS } from './workloads/index.js';

const size = SIZES.tiny!;
const results: WorkloadResult[] = [];

/** Metrics every result of a scenario must have, whatever the system. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  'live-query': ['update → subscriber p50', 'matching records'],
  'fan-out': ['burst: deliveries per second', 'paced: delivery latency p99', 'burst: relay CPU'],
  'fan-out-processes': [
    'burst: deliveries per second',
    'burst: client CPU (writer and reader processes)',
    'paced: delivery latency p99',
    'burst: relay CPU',
  ],
  'cold-sync': ['time to synced', 'bytes received', 'frames received', 'relay peak RSS'],
  resume: [
    'time to caught up',
    'bytes received',
    'bytes sent',
    'first sync of the same client (the cold sync)',
  ],
  'offline-merge': ['time until both clients and the relay agree', 'records differing afterwards'],
  'durable-ack': ['write → seen by another client p50', 'write → seen by another client p99'],
  memory: ['RSS idle, no client', 'RSS per idle connection', 'peak RSS (since it started)'],
  'browser-open': ['time to first query result', 'matching records'],
};

describe('benchmarks at the tiny size', () => {
  for (const workload of WORKLOADS) {
    it(`${workload.system}/${workload.name}`, { timeout: 60_000 }, async () => {
      const produced = [await workload.run(size)].flat();
      expect(produced.map((r) => r.workload)).toEqual([workload.name, ...(workload.alsoReports ?? [])]);
      for (const result of produced) {
        expect(result).toMatchObject({ system: workload.system, size: 'tiny' });
        for (const name of REQUIRED[result.workload] ?? []) expect(result.metrics).toHaveProperty([name]);
        for (const [name, metric] of Object.entries(result.metrics)) {
          expect(Number.isFinite(metric.value), `${result.workload} ${name}`).toBe(true);
        }
      }
      results.push(...produced);
    });
  }

  it('reports sane figures', () => {
    const metric = (system: string, workload: string, name: string) =>
      results.find((r) => r.system === system && r.workload === workload)?.metrics[name]?.value;
    for (const system of ['ferry', 'y-websocket', 'hocuspocus']) {
      // Every record of the tiny collection crossed the wire, and the merged replicas agree.
      expect(metric(system, 'cold-sync', 'bytes received')).toBeGreaterThan(size.records * 100);
      expect(metric(system, 'offline-merge', 'records differing afterwards')).toBe(0);
      expect(metric(system, 'fan-out', 'burst: deliveries per second')).toBeGreaterThan(0);
    }
    // Only the systems that acknowledge anything report an acknowledgement.
    expect(metric('ferry', 'durable-ack', 'write → acknowledged p99')).toBeGreaterThan(0);
    expect(metric('hocuspocus', 'durable-ack', 'write → acknowledged p99')).toBeGreaterThan(0);
    expect(metric('y-websocket', 'durable-ack', 'write → acknowledged p99')).toBeUndefined();
    // The bare relay keeps no documents, so it has no per-document figure.
    expect(metric('bare relay', 'memory', 'RSS per open idle document')).toBeUndefined();
    // Both browser stores answered the same query over the same records.
    expect(metric('ferry', 'browser-open', 'matching records')).toBe(
      metric('y-indexeddb', 'browser-open', 'matching records'),
    );
    const durable = results.find((r) => r.system === 'ferry' && r.workload === 'durable-ack')!;
    expect(durable.samples?.['write → acknowledged']).toHaveLength(size.ackWrites);
    const report = formatReport(results);
    for (const system of ['ferry', 'y-websocket', 'hocuspocus', 'bare relay', 'y-indexeddb']) {
      expect(report).toContain(system);
    }
    expect(report).toContain('### Targets');
  });
});
