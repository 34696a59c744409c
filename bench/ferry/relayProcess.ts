/**
 * Runs the relay as `ferry serve` (the built CLI) in a child process, so its CPU time and memory can be
 * read from /proc without the benchmark client's own work mixed in.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));

export interface RelayProcess {
  /** The WebSocket base URL Ferry clients connect to. */
  readonly url: string;
  readonly pid: number;
  /** Stops the relay (SIGTERM: it commits what is pending) and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts a relay on 127.0.0.1, a free port and SQLite in a fresh temporary folder. */
export async function startRelayProcess(): Promise<RelayProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dataDir],
    // Info level is needed for the "listening" line that carries the URL; nothing is logged per message.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FERRY_LOG_LEVEL: 'info' } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await listeningUrl(child);
    return { url, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves with the ws:// URL from the relay's JSON "listening" log line. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    // Both pipes stay drained for the life of the process, so the relay never blocks on a full pipe.
    child.stderr!.on('data', (chunk) => {
      output += chunk;
    });
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /"url":"http(:\/\/[^"]+)"/.exec(output);
      if (match) resolve(`ws${match[1]}`);
    });
    child.once('exit', (code) =>
      reject(new Error(`The relay exited (${code}) before listening:\n${output}`)),
    );
  });
}
