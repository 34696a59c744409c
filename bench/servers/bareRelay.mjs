// The physical limit of a relay: every binary frame a socket sends is forwarded as it is to every other
// socket on the same path, without decoding, storing or checking anything. Plain JavaScript and `ws` only,
// listening on 127.0.0.1 and a free port.
import { WebSocketServer } from 'ws';

const rooms = new Map();
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
server.on('connection', (socket, request) => {
  const path = request.url ?? '/';
  let room = rooms.get(path);
  if (!room) {
    room = new Set();
    rooms.set(path, room);
  }
  room.add(socket);
  socket.on('message', (data, isBinary) => {
    for (const peer of room)
      if (peer !== socket && peer.readyState === 1) peer.send(data, { binary: isBinary });
  });
  socket.on('close', () => {
    room.delete(socket);
    if (room.size === 0) rooms.delete(path);
  });
});
server.on('listening', () => console.log(`bare relay listening on ws://127.0.0.1:${server.address().port}`));
