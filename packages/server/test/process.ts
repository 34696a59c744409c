import { onCleanup } from './helpers.js';
import { type RelayProcess, startRelayProcess } from './relayProcess.js';

export type { RelayProcess } from './relayProcess.js';

/** Runs `ferry serve` (the built CLI) in its own process on port 0; resolves once it logged its URL. Killed after the test. */
export function spawnRelay(
  dataDir: string,
  args: string[] = [],
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<RelayProcess> {
  const { child, exited, listening } = startRelayProcess(dataDir, args, nodeArgs, env);
  onCleanup(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  return listening;
}
