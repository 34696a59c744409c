import { FAN_OUT_SYSTEMS, STORING } from '../systems/all.js';
import { bareRelaySystem } from '../systems/bareRelay.js';
import type { Workload } from '../workload.js';
import { browserOpen } from './browserOpen.js';
import { coldSyncThenResume } from './coldSync.js';
import { durableAck } from './durableAck.js';
import { fanOut } from './fanOut.js';
import { fanOutAcrossProcesses } from './fanOutProcesses.js';
import { liveQuery } from './ferry/liveQuery.js';
import { scaleOut } from './ferry/scaleOut.js';
import { memory } from './memory.js';
import { offlineMerge } from './offlineMerge.js';

/** Every workload, in the order a full run executes them (one at a time, never in parallel). */
export const WORKLOADS: readonly Workload[] = [
  liveQuery,
  ...FAN_OUT_SYSTEMS.map(fanOut),
  ...FAN_OUT_SYSTEMS.map(fanOutAcrossProcesses),
  ...STORING.map(coldSyncThenResume),
  ...STORING.map(offlineMerge),
  ...STORING.map(durableAck),
  ...[...STORING, bareRelaySystem].map(memory),
  browserOpen('ferry'),
  browserOpen('y-indexeddb'),
  scaleOut,
];
