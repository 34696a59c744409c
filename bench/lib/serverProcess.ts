/**
 * Runs a server under test as a child process, so its CPU time and memory can be read from /proc without
 * the benchmark client's own work mixed in. Every server listens on 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';

export interface ServerProcess {
  /** The WebSocket base URL clients connect to, `ws://127.0.0.1:<port>`. */
  readonly url: string;
  readonly pid: number;
  /** The V8 inspector's URL, when started with `inspect`. */
  readonly inspectorUrl: string | undefined;
  /** SIGTERM (servers commit what is pending), SIGKILL if it has not exited after 10 s. */
  stop(): Promise<void>;
}

export interface ServerCommand {
  /** For error messages: `ferry relay`, `hocuspocus`…. */
  readonly name: string;
  /** Arguments to node (the script first). */
  readonly args: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** Opens the V8 inspector on 127.0.0.1 (for a forced garbage collection before memory readings). */
  readonly inspect?: boolean;
  /** Finds the URL in what the server printed so far, once it says it listens. */
  listeningUrl(output: string): string | undefined;
}

let profileArgs: string[] = [];

/**
 * Runs every server started from now on with `node --cpu-prof`, writing into `dir`. A profile is written
 * when the server exits after SIGTERM (Ferry's relay and Hocuspocus do; the y-websocket bin does not).
 */
export function profileServersInto(dir: string | undefined): void {
  profileArgs = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export async function startServerProcess(command: ServerCommand): Promise<ServerProcess> {
  const inspectArgs = command.inspect ? ['--inspect=127.0.0.1:0'] : [];
  const child = spawn(process.execPath, [...profileArgs, ...inspectArgs, ...command.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...command.env },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    // Both pipes stay drained for the life of the process, so the server never blocks on a full pipe.
    const read = (chunk: Buffer) => {
      output += chunk;
      const found = command.listeningUrl(output);
      if (found) resolve(found);
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) =>
      reject(new Error(`${command.name} exited (${code}) before listening:\n${output}`)),
    );
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  const inspectorUrl = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  return { url, pid: child.pid!, inspectorUrl, stop };
}
