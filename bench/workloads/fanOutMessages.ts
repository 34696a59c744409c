/** What fanOutProcesses.ts and its reader processes (fanOutReaders.ts) say to each other over IPC. */
import type { RemoteServer } from '../systems/SystemUnderTest.js';

export type ToReaders =
  | { type: 'open'; system: string; server: RemoteServer; readers: number }
  | { type: 'burst'; end: number }
  | { type: 'paced'; updates: number }
  | { type: 'close' };

export type FromReaders =
  | { type: 'ready' }
  | { type: 'burst-ready' }
  | { type: 'burst-done'; at: number; framesReceived: number }
  | { type: 'paced-ready' }
  | { type: 'paced-done'; seenAt: number[][] };

export const epochNow = () => performance.timeOrigin + performance.now();
