// The by-hand alternative: a Socket.IO 4 server doing the tracking a user would
// write themselves: a handshake middleware for project/scope, a per-socket hook
// counting received bytes, a room per open page, a JWT login, and an admin event
// listing sockets with their tracked data, filtered by regex.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';
import { jwtVerify } from 'jose';

const counters = { messages: 0, bytes: 0 };
const SCOPES = new Set(['browser', 'designer', 'ios', 'android']);

function compileFilter(f) {
  if (f === undefined || f === null || f === '') return null;
  if (typeof f !== 'string' || f.length > 1000) throw new Error('bad filter');
  return new RegExp(`^(?:${f})$`);
}

function sessionInfo(socket, now) {
  const d = socket.data;
  return {
    id: socket.id,
    userAgent: d.userAgent,
    username: d.username,
    project: d.project,
    uptime: now - d.created,
    clientAddress: d.address,
    lastComm: now - d.lastComm,
    sessionScope: d.scope,
    activePages: d.pages.size,
    recentBytesSent: d.recentBytes,
    totalBytesSent: d.totalBytes,
    pageIds: [...d.pages.keys()],
    authorized: d.username !== 'Unauthenticated',
  };
}

export async function start({ host = '127.0.0.1', port = 0, maxPayload = 65536, adminToken, jwtSecret, heartbeatMs = 15000 } = {}) {
  const httpServer = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'ok', sessions: io.engine.clientsCount }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  const io = new Server(httpServer, {
    transports: ['websocket'],
    serveClient: false,
    maxHttpBufferSize: maxPayload,
    pingInterval: heartbeatMs,
    pingTimeout: heartbeatMs,
  });
  const key = new TextEncoder().encode(jwtSecret);

  io.use((socket, next) => {
    const q = socket.handshake.query;
    const project = typeof q.project === 'string' ? q.project : 'default';
    const scope = typeof q.scope === 'string' ? q.scope : 'browser';
    if (!SCOPES.has(scope) || project.length < 1 || project.length > 128) return next(new Error('bad project or scope'));
    const now = Date.now();
    socket.data = {
      project,
      scope,
      userAgent: socket.handshake.headers['user-agent'] ?? '',
      address: socket.handshake.address,
      created: now,
      lastComm: now,
      username: 'Unauthenticated',
      admin: false,
      pages: new Map(),
      recentBytes: 0,
      totalBytes: 0,
    };
    next();
  });

  io.on('connection', (socket) => {
    const d = socket.data;
    // Byte counting: engine.io packets are the wire messages; socket.use() only sees decoded args.
    socket.conn.on('packet', (packet) => {
      d.lastComm = Date.now();
      if (packet.type !== 'message') return;
      const n = typeof packet.data === 'string' ? Buffer.byteLength(packet.data) : packet.data.length;
      d.recentBytes = n;
      d.totalBytes += n;
      counters.messages++;
      counters.bytes += n;
    });
    const page = (params, ack, close = false) => {
      const pageId = params?.pageId ?? randomUUID();
      if (close) {
        d.pages.delete(pageId);
        socket.leave(`page:${pageId}`);
      } else {
        if (!d.pages.has(pageId)) socket.join(`page:${pageId}`);
        d.pages.set(pageId, { path: params?.path, title: params?.title });
      }
      if (typeof ack === 'function') ack({ pageId });
    };
    socket.on('page.open', (params, ack) => page(params, ack));
    socket.on('page.update', (params, ack) => page(params, ack));
    socket.on('page.close', (params, ack) => page(params, ack, true));
    socket.on('auth.login', async (params, ack) => {
      try {
        if (params?.token === adminToken) {
          d.username = 'admin';
          d.admin = true;
        } else {
          const { payload } = await jwtVerify(params?.token ?? '', key);
          d.username = payload.preferred_username ?? payload.sub;
          d.admin = Array.isArray(payload.roles) && payload.roles.includes('admin');
        }
        ack?.({ username: d.username, roles: d.admin ? ['admin'] : [], authorized: true });
      } catch {
        ack?.({ error: { code: -32001, message: 'bad token' } });
      }
    });
    socket.on('getSessionInfo', (params, ack) => {
      if (typeof ack !== 'function') return;
      if (!d.admin) return ack({ error: { code: -32003, message: 'forbidden' } });
      const user = compileFilter(params?.usernameFilter);
      const proj = compileFilter(params?.projectFilter);
      const now = Date.now();
      const list = [];
      for (const s of io.of('/').sockets.values()) {
        if (user && !user.test(s.data.username)) continue;
        if (proj && !proj.test(s.data.project)) continue;
        list.push(sessionInfo(s, now));
      }
      if (params?.format !== 'dataset') return ack(list);
      ack({
        columns: [
          { name: 'username', type: 'String' },
          { name: 'project', type: 'String' },
          { name: 'address', type: 'String' },
          { name: 'isDesigner', type: 'Boolean' },
          { name: 'clientId', type: 'String' },
          { name: 'creationTime', type: 'Date' },
        ],
        rows: list.map((s) => [
          s.username,
          s.project,
          s.clientAddress,
          s.sessionScope === 'designer',
          s.id,
          new Date(now - s.uptime).toISOString(),
        ]),
      });
    });
    socket.on('getSessionStats', (_params, ack) => {
      if (typeof ack !== 'function') return;
      if (!d.admin) return ack({ error: { code: -32003, message: 'forbidden' } });
      const users = new Set();
      const byProject = {};
      let sessions = 0;
      let pages = 0;
      for (const s of io.of('/').sockets.values()) {
        sessions++;
        pages += s.data.pages.size;
        users.add(s.data.username);
        byProject[s.data.project] = (byProject[s.data.project] ?? 0) + 1;
      }
      ack({ sessions, users: users.size, pages, byProject });
    });
  });

  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen({ host, port, backlog: 4096 }, resolve);
  });
  const { port: bound } = httpServer.address();
  return {
    kind: 'sio',
    wsUrl: `ws://${host}:${bound}/socket.io/?EIO=4&transport=websocket`,
    counters: () => ({ ...counters, connections: io.engine.clientsCount }),
    close: () => new Promise((resolve) => io.close(() => resolve())),
  };
}
