/**
 * Contract 1.1: `session.ticket` and `tracker.track(socket, request)`, for a WebSocket the app
 * accepts on its own server (here beside the tracker on the same http.Server).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { describe, expect, it } from 'vitest';
import { attachSessionTracker, type ServerOptions, type SessionTracker, type TrackedSocket } from '@session-tracker/server';
import { ADMIN_TOKEN } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { waitFor } from '../support/wait.js';

interface AppServer extends AsyncDisposable {
  tracker: SessionTracker;
  wsUrl: string;
  appUrl: string;
  /** Server side of every app socket, with what track() said. */
  accepted: { ws: WebSocket; tracked: TrackedSocket }[];
}

/** An app with its own WebSocket endpoint (/app) that echoes "echo:<text>" and tracks each socket. */
async function startApp(options: Partial<ServerOptions> = {}): Promise<AppServer> {
  const http: Server = createServer();
  const tracker = attachSessionTracker(http, { adminToken: ADMIN_TOKEN, logLevel: 'silent', ...options });
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const accepted: AppServer['accepted'] = [];
  http.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/app')) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      accepted.push({ ws, tracked: tracker.track(ws, req) });
      ws.on('message', (data, isBinary) => ws.send(isBinary ? data : `echo:${data.toString()}`, { binary: isBinary }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as AddressInfo).port;
  return {
    tracker,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    appUrl: `ws://127.0.0.1:${port}/app`,
    accepted,
    async [Symbol.asyncDispose]() {
      for (const c of wss.clients) c.terminate();
      await tracker.close();
      wss.close();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/** An app client: counts what it sent and received, payload bytes. */
async function appClient(url: string) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  const stats = { sent: 0, received: 0, messages: [] as string[] };
  ws.on('message', (d: Buffer) => {
    stats.received += d.length;
    stats.messages.push(d.toString());
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const send = (data: string | Buffer) => {
    stats.sent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    ws.send(data);
  };
  const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  return { ws, stats, send, closed };
}

async function infoOf(admin: RawClient, id: string): Promise<any> {
  const list = await admin.result('getSessionInfo', []);
  return list.find((s: any) => s.id === id);
}

describe('session.ticket', () => {
  it('answers a single-use ticket valid for 60 s by default', async () => {
    await using app = await startApp();
    await using c = await RawClient.connect(app.wsUrl);
    const a = await c.result('session.ticket');
    const b = await c.result('session.ticket', {});
    expect(a.expiresInMs).toBe(60_000);
    expect(typeof a.ticket).toBe('string');
    expect(a.ticket.length).toBeGreaterThanOrEqual(32);
    expect(b.ticket).not.toBe(a.ticket);
  });
});

describe('tracked sockets (tracker.track)', () => {
  it('count for the ticket’s session both ways, exactly, and move lastComm', async () => {
    await using app = await startApp();
    await using admin = await RawClient.connect(app.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    // No pongs from the tracker's own socket: only the app socket may move lastComm here.
    await using c = await RawClient.connect(app.wsUrl, { project: 'Hmi', autoPong: false });
    const { ticket } = await c.result('session.ticket');
    const before = await infoOf(admin, c.sessionId);

    const t = await appClient(`${app.appUrl}?sessionTicket=${encodeURIComponent(ticket)}`);
    await waitFor(() => app.accepted.length === 1, 'the app socket');
    expect(app.accepted[0]?.tracked).toEqual({ sessionId: c.sessionId, joined: true });
    t.send('hello');
    t.send('ünïcödé ✓');
    t.send(Buffer.from([1, 2, 3, 4, 5, 6, 7]));
    await waitFor(() => t.stats.messages.length === 3, 'three echoes');
    // The app also sends on its own.
    app.accepted[0]?.ws.send('unsolicited from the app');
    await waitFor(() => t.stats.messages.length === 4, 'the app message');

    const after = await infoOf(admin, c.sessionId);
    expect(after.totalBytesSent - before.totalBytesSent).toBe(t.stats.sent);
    expect(after.totalBytesReceived - before.totalBytesReceived).toBe(t.stats.received);
    expect(after.messagesSent - before.messagesSent).toBe(3);
    expect(after.recentBytesSent).toBe(7);
    expect(after.project).toBe('Hmi');
    // The tracker never writes its own frames onto the app's socket.
    expect(t.stats.messages).toEqual(['echo:hello', 'echo:ünïcödé ✓', expect.any(String), 'unsolicited from the app']);
    expect(await app.tracker.push({ sessionId: c.sessionId }, 'x', 1)).toBe(1);

    // lastComm moves with the tracked socket alone.
    await sleep(300);
    const idle = (await infoOf(admin, c.sessionId)).lastComm;
    expect(idle).toBeGreaterThanOrEqual(250);
    t.send('tick');
    await waitFor(() => t.stats.messages.length === 5, 'the echo');
    expect((await infoOf(admin, c.sessionId)).lastComm).toBeLessThan(idle);
    t.ws.close();
    await t.closed;
  });

  it('keep the session connected while open; their close is that socket’s close', async () => {
    await using app = await startApp({ sessionTimeoutMs: 200 });
    await using admin = await RawClient.connect(app.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    const c = await RawClient.connect(app.wsUrl);
    const { ticket } = await c.result('session.ticket');
    const t = await appClient(`${app.appUrl}?sessionTicket=${ticket}`);
    await waitFor(() => app.accepted.length === 1, 'the app socket');
    await c.close();
    // Longer than the session timeout: still there, still connected, thanks to the app socket.
    await sleep(500);
    expect((await infoOf(admin, c.sessionId))?.state).toBe('connected');
    t.ws.close();
    await t.closed;
    await waitFor(
      async () => (await infoOf(admin, c.sessionId))?.state === 'disconnected' || (await infoOf(admin, c.sessionId)) === undefined,
      'disconnected',
    );
    await waitFor(async () => (await infoOf(admin, c.sessionId)) === undefined, 'the session ends after the timeout');
  });

  it('is closed with 4000 when an admin ends the session', async () => {
    await using app = await startApp();
    await using admin = await RawClient.connect(app.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await using c = await RawClient.connect(app.wsUrl);
    const { ticket } = await c.result('session.ticket');
    const t = await appClient(`${app.appUrl}?sessionTicket=${ticket}`);
    await waitFor(() => app.accepted.length === 1, 'the app socket');
    const code = new Promise<number>((resolve) => t.ws.once('close', (c: number) => resolve(c)));
    await admin.result('sessions.close', { sessionId: c.sessionId });
    expect(await code).toBe(4000);
    // session.closing went to the tracker's socket, not to the app's.
    expect(t.stats.messages).toEqual([]);
  });

  it('make a session of their own on a used, unknown, expired or missing ticket (project from ?project=)', async () => {
    await using app = await startApp({ appTicketTtlMs: 100 });
    await using admin = await RawClient.connect(app.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await using c = await RawClient.connect(app.wsUrl, { project: 'Main' });
    const { ticket, expiresInMs } = await c.result('session.ticket');
    expect(expiresInMs).toBe(100);
    const first = await appClient(`${app.appUrl}?sessionTicket=${ticket}`);
    const reused = await appClient(`${app.appUrl}?sessionTicket=${ticket}&project=Reused`);
    const unknown = await appClient(`${app.appUrl}?sessionTicket=not-a-ticket&project=Unknown`);
    const missing = await appClient(`${app.appUrl}`);
    const late = (await c.result('session.ticket')).ticket;
    await sleep(250);
    const expired = await appClient(`${app.appUrl}?sessionTicket=${late}&project=Late`);
    await waitFor(() => app.accepted.length === 5, 'five app sockets');
    const [a, b, u, m, e] = app.accepted.map((x) => x.tracked);
    expect(a).toEqual({ sessionId: c.sessionId, joined: true });
    for (const own of [b, u, m, e]) {
      expect(own?.joined).toBe(false);
      expect(own?.sessionId).not.toBe(c.sessionId);
    }
    expect((await infoOf(admin, b!.sessionId)).project).toBe('Reused');
    expect((await infoOf(admin, u!.sessionId)).project).toBe('Unknown');
    expect((await infoOf(admin, m!.sessionId)).project).toBe('default');
    expect((await infoOf(admin, e!.sessionId)).project).toBe('Late');
    // A session of its own still counts its socket's bytes.
    unknown.send('abc');
    await waitFor(() => unknown.stats.messages.length === 1, 'echo');
    const own = await infoOf(admin, u!.sessionId);
    expect(own.totalBytesSent).toBe(3);
    expect(own.totalBytesReceived).toBe(Buffer.byteLength('echo:abc'));
    expect(own.state).toBe('connected');
    for (const x of [first, reused, unknown, missing, expired]) x.ws.close();
  });
});
