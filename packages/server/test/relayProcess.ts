import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface RelayProcess {
  readonly url: string;
  readonly httpUrl: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Everything it printed so far, stdout and stderr. */
  output(): string;
}

/**
 * Runs `ferry serve` (the built CLI) in its own process on port 0 unless `args` names a port; resolves once
 * it logged its URL. The caller ends it (tests use process.ts, which does so after each test).
 */
export function startRelayProcess(
  dataDir: string,
  args: string[] = [],
  nodeArgs: string[] = [],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; exited: Promise<number | string>; listening: Promise<RelayProcess> } {
  const port = args.includes('--port') ? [] : ['--port', '0'];
  const child = spawn(process.execPath, [...nodeArgs, cli, 'serve', ...port, '--data', dataDir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FERRY_LOG_LEVEL: 'info', ...env },
  });
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const listening = new Promise<RelayProcess>((resolve, reject) => {
    let output = '';
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk;
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match)
        resolve({
          url: match[1]!.replace('http', 'ws'),
          httpUrl: match[1]!,
          child,
          exited,
          output: () => output,
        });
    });
    child.on('exit', () => reject(new Error(`relay exited before listening:\n${output}`)));
  });
  return { child, exited, listening };
}
