// Servers for the app-traffic bench (test/bench/app-traffic.mjs), one per process:
//   st        session-tracker: tracker.handle('echo') serves app.echo; GET /push pushes 'tick'
//             to projectFilter 'P'; /app is the app's own ws echo server, tracked (tracker.track)
//   st-plain  the same /app ws echo server with no tracker at all (the tracked socket's baseline)
//   bare      a ws server answering JSON-RPC `echo` by hand
//   sio       Socket.IO 4: 'echo' with acknowledgement; clients join room ?project=; GET /push
//             emits 'tick' to room 'P'
// Prints {"port":N} on stdout once listening.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const kind = process.argv[2];
// A clean exit on SIGTERM lets --cpu-prof write its profile.
process.on('SIGTERM', () => process.exit(0));
const httpServer = http.createServer();
const PAYLOAD = { at: 0, text: 'x'.repeat(60) };
// Registered before the tracker or Socket.IO attach: both forward other requests to the
// listeners already there.
let push = (res) => res.end('{}');
httpServer.on('request', (req, res) => {
  if (req.url === '/push') push(res);
  else if (kind !== 'st' && kind !== 'sio') res.end();
});

function appEcho(track) {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  httpServer.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/app')) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      track?.(ws, req);
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
}

if (kind === 'st' || kind === 'st-plain') {
  if (kind === 'st') {
    const { attachSessionTracker } = await import('@session-tracker/server');
    const tracker = attachSessionTracker(httpServer, {
      logLevel: 'warn',
      maxSessionsPerAddress: 0,
      rateLimitPerSecond: 0,
      adminToken: 'bench-admin-token-0123456789',
    });
    tracker.handle('echo', (p) => p);
    push = (res) =>
      tracker.push({ projectFilter: 'P' }, 'tick', { ...PAYLOAD, at: Date.now() }).then((n) => res.end(JSON.stringify({ reached: n })));
    appEcho((ws, req) => tracker.track(ws, req));
  } else {
    appEcho(undefined);
  }
} else if (kind === 'bare') {
  const wss = new WebSocketServer({ server: httpServer, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => {
      let msg;
      try {
        msg = JSON.parse(data.toString());
      } catch {
        return ws.send('{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}');
      }
      if (msg.method === 'echo' && msg.id !== undefined) ws.send(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: msg.params }));
    });
  });
} else if (kind === 'sio') {
  const { Server } = await import('socket.io');
  const io = new Server(httpServer, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
  io.on('connection', (socket) => {
    const project = socket.handshake.query.project;
    if (typeof project === 'string') socket.join(project);
    socket.on('echo', (p, ack) => ack(p));
  });
  push = (res) => {
    io.to('P').emit('tick', { ...PAYLOAD, at: Date.now() });
    res.end(JSON.stringify({ reached: io.sockets.adapter.rooms.get('P')?.size ?? 0 }));
  };
} else {
  throw new Error(`unknown kind ${kind}`);
}

httpServer.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: httpServer.address().port })));
