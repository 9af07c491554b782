// An existing Socket.IO 4 chat, made visible to session-tracker with one line.
//   node examples/socket.io/server.mjs        (PORT, SESSION_TRACKER_ADMIN_TOKEN optional)
// Clients that pass `auth: { sessionTicket }` (from the SDK's client.ticket()) count for that
// session; the others are sessions of their own. /admin shows them with their bytes.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { attachSessionTracker, instrumentSocketIO } from '@session-tracker/server';

const http = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end('socket.io chat: connect with socket.io-client\n');
});
const io = new Server(http);

// --- the app as it was -------------------------------------------------------------------
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(String(room));
    ack?.({ joined: String(room) });
  });
  socket.on('say', ({ room, text }, ack) => {
    io.to(String(room)).emit('said', { from: socket.id, text: String(text) });
    ack?.({ ok: true });
  });
});

// --- session-tracker -----------------------------------------------------------------------
const tracker = attachSessionTracker(http, { adminToken: process.env.SESSION_TRACKER_ADMIN_TOKEN, logLevel: 'warn' });
instrumentSocketIO(io, tracker); // the one line

http.listen(Number(process.env.PORT ?? 3001), '127.0.0.1', () => {
  const { port } = http.address();
  console.log(
    `socket.io chat listening on http://127.0.0.1:${port}/ (admin token: ${tracker.adminTokenGenerated ? tracker.adminToken : 'from SESSION_TRACKER_ADMIN_TOKEN'})`,
  );
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, async () => {
    io.close();
    await tracker.close();
    process.exit(0);
  });
}
