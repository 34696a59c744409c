/** The systems the workloads compare, by name: what a workload runs, and what a reader process opens. */
import { bareRelaySystem } from './bareRelay.js';
import { ferrySystem } from './ferry.js';
import { hocuspocusSystem } from './hocuspocus.js';
import type { SystemUnderTest } from './SystemUnderTest.js';
import { yWebsocketSystem } from './yWebsocket.js';

/**
 * Ferry with its default storage. Another backend is another entry with its `ferry serve` arguments, e.g.
 * ferrySystem({ name: 'ferry (postgres+redis)', relayArgs: ['--postgres', url, '--redis', url], … }).
 */
export const ferry = ferrySystem({ name: 'ferry', storage: 'SQLite (WAL, synchronous = FULL), the default' });

/** Ferry's relay with y-websocket's clients on its `/y/` endpoint: the relay's cost beside the bare relay's. */
export const ferryOverY = ferrySystem({
  name: 'ferry /y/',
  storage: 'SQLite (WAL, synchronous = FULL), the default',
  clients: 'y-websocket',
});

/** The systems a user would pick instead of Ferry, for every workload that stores documents. */
export const STORING: readonly SystemUnderTest[] = [ferry, yWebsocketSystem, hocuspocusSystem];

/** Every system fan-out runs: the storing ones, Ferry's relay over `/y/`, and the bare relay. */
export const FAN_OUT_SYSTEMS: readonly SystemUnderTest[] = [...STORING, ferryOverY, bareRelaySystem];

export function systemNamed(name: string): SystemUnderTest {
  const system = [...FAN_OUT_SYSTEMS].find((candidate) => candidate.name === name);
  if (!system) throw new Error(`No system named ${name}.`);
  return system;
}
