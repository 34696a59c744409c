import { bareRelaySystem } from '../systems/bareRelay.js';
import { ferrySystem } from '../systems/ferry.js';
import { hocuspocusSystem } from '../systems/hocuspocus.js';
import { yWebsocketSystem } from '../systems/yWebsocket.js';
import type { Workload } from '../workload.js';
import { browserOpen } from './browserOpen.js';
import { coldSyncThenResume } from './coldSync.js';
import { durableAck } from './durableAck.js';
import { fanOut } from './fanOut.js';
import { liveQuery } from './ferry/liveQuery.js';
import { scaleOut } from './ferry/scaleOut.js';
import { memory } from './memory.js';
import { offlineMerge } from './offlineMerge.js';

/**
 * Ferry with its default storage. Another backend is another entry with its `ferry serve` arguments, e.g.
 * ferrySystem({ name: 'ferry (postgres+redis)', relayArgs: ['--postgres', url, '--redis', url], … }).
 */
const ferry = ferrySystem({ name: 'ferry', storage: 'SQLite (WAL, synchronous = FULL), the default' });

/** Ferry's relay with y-websocket's clients on its `/y/` endpoint: the relay's cost beside the bare relay's. */
const ferryOverY = ferrySystem({
  name: 'ferry /y/',
  storage: 'SQLite (WAL, synchronous = FULL), the default',
  clients: 'y-websocket',
});

/** The systems a user would pick instead of Ferry, for every workload that stores documents. */
const STORING = [ferry, yWebsocketSystem, hocuspocusSystem];

/** Every workload, in the order a full run executes them (one at a time, never in parallel). */
export const WORKLOADS: readonly Workload[] = [
  liveQuery,
  ...[...STORING, ferryOverY, bareRelaySystem].map(fanOut),
  ...STORING.map(coldSyncThenResume),
  ...STORING.map(offlineMerge),
  ...STORING.map(durableAck),
  ...[...STORING, bareRelaySystem].map(memory),
  browserOpen('ferry'),
  browserOpen('y-indexeddb'),
  scaleOut,
];
