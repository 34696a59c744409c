/**
 * Runs the relay as `ferry serve` (the built CLI) in a child process on 127.0.0.1, a free port and SQLite in
 * a fresh temporary folder. `extraArgs` go to `ferry serve` as they are: another storage backend
 * (`--postgres URL --redis URL`) is a list of arguments away.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerProcess } from '../lib/serverProcess.js';

const cli = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));

export interface RelayProcess {
  /** The WebSocket base URL Ferry clients connect to. */
  readonly url: string;
  readonly pid: number;
  readonly inspectorUrl: string | undefined;
  /** Stops the relay (SIGTERM: it commits what is pending) and removes its data folder. */
  stop(): Promise<void>;
}

export async function startRelayProcess(
  extraArgs: readonly string[] = [],
  { inspect = false } = {},
): Promise<RelayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  try {
    const server = await startServerProcess({
      name: 'ferry relay',
      args: [cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir, ...extraArgs],
      // Info level is needed for the "listening" line that carries the URL; nothing is logged per message.
      env: { FERRY_LOG_LEVEL: 'info' },
      inspect,
      listeningUrl: (output) => {
        const match = /"url":"http(:\/\/[^"]+)"/.exec(output);
        return match ? `ws${match[1]}` : undefined;
      },
    });
    return {
      url: server.url,
      pid: server.pid,
      inspectorUrl: server.inspectorUrl,
      stop: async () => {
        await server.stop();
        removeData();
      },
    };
  } catch (error) {
    removeData();
    throw error;
  }
}
