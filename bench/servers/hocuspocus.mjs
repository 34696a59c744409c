// Hocuspocus as its documentation sets it up, with its SQLite extension storing into the file given as the
// first argument. Listens on 127.0.0.1 and a free port, prints the URL, and on SIGTERM stores every open
// document and exits (its default `stopOnSignals`). Plain JavaScript, so nothing but Hocuspocus runs in
// the process whose CPU and memory are measured.
import { SQLite } from '@hocuspocus/extension-sqlite';
import { Server } from '@hocuspocus/server';

const database = process.argv[2];
if (!database) throw new Error('usage: node hocuspocus.mjs <sqlite file>');
const server = new Server({
  address: '127.0.0.1',
  port: 0,
  quiet: true,
  extensions: [new SQLite({ database })],
});
await server.listen();
console.log(`hocuspocus listening on ws://127.0.0.1:${server.address.port}`);
