/**
 * Forces a full garbage collection in another Node process through its inspector (started with
 * `--inspect=127.0.0.1:0`), so that a memory reading shows what is retained, not what awaits collection.
 */
import { once } from 'node:events';
import { WebSocket } from 'ws';

export async function collectGarbage(inspectorUrl: string): Promise<void> {
  const socket = new WebSocket(inspectorUrl);
  await once(socket, 'open');
  const answered = new Promise<void>((resolve, reject) => {
    socket.on('message', (data: Buffer) => {
      const reply = JSON.parse(data.toString()) as { id?: number; error?: { message: string } };
      if (reply.id !== 1) return;
      if (reply.error) reject(new Error(`collectGarbage: ${reply.error.message}`));
      else resolve();
    });
  });
  socket.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
  try {
    await answered;
  } finally {
    socket.close();
  }
}

/** The collectGarbage of a server process, or one that explains why it cannot. */
export function garbageCollectorOf(server: { inspectorUrl: string | undefined }): () => Promise<void> {
  const url = server.inspectorUrl;
  return url
    ? () => collectGarbage(url)
    : () => Promise.reject(new Error('The server was started without its inspector (inspect: true).'));
}
