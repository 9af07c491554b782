/**
 * Socket.IO in one line: `instrumentSocketIO(io, tracker)` counts every engine.io packet of each
 * Socket.IO 4 connection for the session named by the ticket in the handshake's `auth`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketIOServer } from 'socket.io';
import { io as ioClient, type Socket } from 'socket.io-client';
import type WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { attachSessionTracker, instrumentSocketIO } from '@session-tracker/server';
import { ADMIN_TOKEN } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { waitFor } from '../support/wait.js';

async function startApp(options: { sessionTimeoutMs?: number } = {}) {
  const http = createServer();
  const tracker = attachSessionTracker(http, { adminToken: ADMIN_TOKEN, logLevel: 'silent', ...options });
  const io = new SocketIOServer(http, { transports: ['websocket'], perMessageDeflate: false });
  instrumentSocketIO(io, tracker); // the one line
  io.on('connection', (socket) => {
    socket.on('echo', (payload: unknown, ack: (v: unknown) => void) => ack({ echoed: payload }));
    socket.on('tell', () => socket.emit('told', 'ünïcödé', Buffer.from([1, 2, 3])));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    tracker,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    async [Symbol.asyncDispose]() {
      io.close();
      await tracker.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

function connect(url: string, auth: Record<string, string>): Promise<Socket> {
  const socket = ioClient(url, { transports: ['websocket'], auth, reconnection: false, perMessageDeflate: false } as never);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** The client's own count of the WebSocket frames under a Socket.IO socket, from now on. */
function countFrames(socket: Socket) {
  const ws = (socket.io.engine.transport as unknown as { ws: WebSocket }).ws;
  const counts = { sent: 0, received: 0 };
  ws.on('message', (data: Buffer) => (counts.received += data.length));
  const send = ws.send.bind(ws);
  ws.send = ((data: string | Buffer, ...rest: unknown[]) => {
    counts.sent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    return (send as (...a: unknown[]) => void)(data, ...rest);
  }) as typeof ws.send;
  return counts;
}

async function infoOf(admin: RawClient, id: string): Promise<any> {
  return (await admin.result('getSessionInfo', [])).find((s: any) => s.id === id);
}

describe('instrumentSocketIO', () => {
  it('counts a ticketed Socket.IO connection for that session, exactly, both ways', async () => {
    await using app = await startApp();
    await using admin = await RawClient.connect(app.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await using c = await RawClient.connect(app.wsUrl, { project: 'Chat' });
    const { ticket } = await c.result('session.ticket');
    const socket = await connect(app.url, { sessionTicket: ticket });
    const frames = countFrames(socket);
    await waitFor(async () => (await infoOf(admin, c.sessionId))?.messagesSent >= 2, 'the CONNECT packet counted');
    const before = await infoOf(admin, c.sessionId);

    expect(await socket.emitWithAck('echo', { text: 'héllo', n: [1, 2] })).toEqual({ echoed: { text: 'héllo', n: [1, 2] } });
    const told = new Promise<unknown[]>((resolve) => socket.once('told', (...args: unknown[]) => resolve(args)));
    socket.emit('tell');
    const args = await told;
    expect(args[0]).toBe('ünïcödé');
    await sleep(100);

    const after = await infoOf(admin, c.sessionId);
    expect(frames.sent).toBeGreaterThan(0);
    expect(after.totalBytesSent - before.totalBytesSent).toBe(frames.sent);
    expect(after.totalBytesReceived - before.totalBytesReceived).toBe(frames.received);
    expect(after.state).toBe('connected');
    socket.close();
  });

  it('keeps the session connected while the Socket.IO connection is open', async () => {
    await using app = await startApp({ sessionTimeoutMs: 200 });
    await using admin = await RawClient.connect(app.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    const c = await RawClient.connect(app.wsUrl);
    const { ticket } = await c.result('session.ticket');
    const socket = await connect(app.url, { sessionTicket: ticket });
    await c.close();
    await sleep(500);
    expect((await infoOf(admin, c.sessionId))?.state).toBe('connected');
    socket.close();
    await waitFor(async () => (await infoOf(admin, c.sessionId)) === undefined, 'the session ends after the timeout');
  });

  it('lists a Socket.IO client without a ticket as a session of its own', async () => {
    await using app = await startApp();
    await using admin = await RawClient.connect(app.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    const socket = await connect(app.url, { project: 'Chat' });
    const own = await waitFor(async () => (await admin.result('getSessionInfo', { projectFilter: 'Chat' }))[0], 'its session');
    expect(own).toMatchObject({ project: 'Chat', state: 'connected' });
    expect(own.totalBytesSent).toBeGreaterThan(0);
    expect(own.totalBytesReceived).toBeGreaterThan(0);
    socket.close();
    await waitFor(
      async () => (await admin.result('getSessionInfo', { projectFilter: 'Chat' }))[0]?.state === 'disconnected',
      'disconnected',
    );
  });
});
