import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { PostgresStorage } from '@ferry/server';
import { onCleanup, POSTGRES_URL, tempDir, uniqueName } from './helpers.js';
import { type RelayProcess, spawnRelay } from './process.js';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Redis server of the test's own, so that it can be restarted without disturbing anything else. */
export async function startRedis(
  port?: number,
): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  const chosen = port ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', tempDir()],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    });
    child.on('exit', () => reject(new Error(`redis-server exited:\n${output}`)));
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  onCleanup(stop);
  return { url: `redis://127.0.0.1:${chosen}`, port: chosen, stop };
}

/** Several relay processes on one PostgreSQL schema and one Redis. */
export async function startCluster(nodes: number) {
  const redis = await startRedis();
  const schema = uniqueName('ferry_test');
  const prefix = uniqueName('ferry');
  onCleanup(async () => {
    const storage = new PostgresStorage({ connectionString: POSTGRES_URL, schema });
    await storage.drop();
    await storage.close();
  });
  const args = [
    '--postgres',
    POSTGRES_URL,
    '--postgres-schema',
    schema,
    '--redis',
    redis.url,
    '--redis-prefix',
    prefix,
  ];
  const start = (port = 0) => spawnRelay(tempDir(), [...args, '--port', String(port)]);
  const relays: RelayProcess[] = [];
  for (let i = 0; i < nodes; i++) relays.push(await start());
  return { redis, relays, schema, prefix, start };
}
