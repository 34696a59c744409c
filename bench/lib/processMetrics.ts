import type { Metric } from '../workload.js';
import type { ProcessUsage } from './processStats.js';

/** A server process's usage over one phase, as table rows named `<label> CPU`, `<label> RSS at start`…. */
export function processMetrics(label: string, usage: ProcessUsage): Record<string, Metric> {
  const peak = usage.peakIsWindowed ? `${label} peak RSS` : `${label} peak RSS (since it started)`;
  return {
    [`${label} CPU`]: { value: usage.cpuMs, unit: 'ms' },
    [`${label} RSS at start`]: { value: usage.rssAtStartKiB / 1024, unit: 'MiB' },
    [peak]: { value: usage.peakRssKiB / 1024, unit: 'MiB' },
  };
}
