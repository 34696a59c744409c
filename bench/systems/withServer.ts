/**
 * Runs a workload's body against a freshly started server, and whatever happens closes every client the body
 * opened through `open` and stops the server, so one failed workload never leaves processes or sockets behind.
 */
import type {
  ClientUnderTest,
  OpenMode,
  ServerUnderTest,
  StartOptions,
  SystemUnderTest,
} from './SystemUnderTest.js';

export interface Session {
  readonly server: ServerUnderTest;
  /** Opens a client that is closed at the end of the session (closing it earlier is fine). */
  open(ids: readonly string[], mode: OpenMode): Promise<ClientUnderTest>;
}

export async function withServer<T>(
  system: SystemUnderTest,
  records: number,
  body: (session: Session) => Promise<T>,
  options: StartOptions = {},
): Promise<T> {
  const server = await system.start(records, options);
  const clients: ClientUnderTest[] = [];
  try {
    return await body({
      server,
      async open(ids, mode) {
        const client = await server.open(ids, mode);
        clients.push(client);
        return client;
      },
    });
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    await server.stop();
  }
}
