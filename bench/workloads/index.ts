import type { Workload } from '../workload.js';
import { coldSync } from './ferry/coldSync.js';
import { liveQuery } from './ferry/liveQuery.js';
import { resume } from './ferry/resume.js';

/** Every workload, in the order a full run executes them. Add other systems' workloads here. */
export const WORKLOADS: readonly Workload[] = [liveQuery, coldSync, resume];
