import { connect as netConnect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient, sleep, upgradeStatus } from '../support/ws-client.js';
import { connectAdmin, expectError, expectResult, listSessions } from '../support/contract.js';

describe('per-session message rate (token bucket)', () => {
  it('answers requests over the burst with -32029 naming the limit, and recovers as tokens refill', async () => {
    await using srv = await startTestServer({ rateLimitPerSecond: 10, rateLimitBurst: 5 });
    await using c = await RawClient.connect(srv.wsUrl);
    const ids = Array.from({ length: 8 }, () => c.newId());
    for (const id of ids) c.sendJson({ jsonrpc: '2.0', method: 'session.self', id });
    const answers = await Promise.all(ids.map((id) => c.nextMessage((d) => d?.id === id)));
    const limited = answers.filter((a) => a.data.error?.code === -32029);
    expect(answers.filter((a) => a.data.result !== undefined)).toHaveLength(5);
    expect(limited).toHaveLength(3);
    expect(limited[0]?.data.error.message).toMatch(/10 messages per second/);
    await sleep(250); // 10/s refills 2 tokens
    expectResult(await c.call('session.self'));
    // Refused messages still count as bytes sent: the byte rule is before handling.
    const self = expectResult(await c.call('session.self'));
    expect(self.messagesSent).toBe(10);
  });

  it('closes a socket with 1008 after sustained abuse', async () => {
    await using srv = await startTestServer({ rateLimitPerSecond: 5, rateLimitBurst: 5, abuseCloseAfterMs: 300 });
    await using c = await RawClient.connect(srv.wsUrl);
    const end = Date.now() + 3_000;
    while (c.isOpen && Date.now() < end) {
      c.notify('page.open', { pageId: 'x' });
      await sleep(5);
    }
    const info = await c.closed;
    expect(info.code).toBe(1008);
    // 1.1: every close the server starts carries a reason.
    expect(info.reason).toMatch(/rate limit/);
  });

  it('is off with rateLimitPerSecond 0', async () => {
    await using srv = await startTestServer({ rateLimitPerSecond: 0, rateLimitBurst: 1 });
    await using c = await RawClient.connect(srv.wsUrl);
    const results = await Promise.all(Array.from({ length: 30 }, () => c.call('session.self')));
    expect(results.every((r) => r.result !== undefined)).toBe(true);
  });
});

describe('size limits', () => {
  it('caps open pages per session with -32029 naming the limit', async () => {
    await using srv = await startTestServer({ maxPagesPerSession: 3 });
    await using c = await RawClient.connect(srv.wsUrl);
    for (const id of ['a', 'b', 'c']) expectResult(await c.call('page.open', { pageId: id }));
    const over = await c.call('page.open', { pageId: 'd' });
    expectError(over, -32029);
    expect(over.error?.message).toMatch(/maxPagesPerSession/);
    expectResult(await c.call('page.open', { pageId: 'a', title: 'reopen is fine' }));
    expectResult(await c.call('page.close', { pageId: 'b' }));
    expectResult(await c.call('page.open', { pageId: 'd' }));
  });

  it('refuses a batch over maxBatch: each request gets -32029 under its own id, nothing runs', async () => {
    await using srv = await startTestServer({ maxBatch: 3 });
    await using c = await RawClient.connect(srv.wsUrl);
    c.sendJson([
      ...Array.from({ length: 3 }, (_, i) => ({ jsonrpc: '2.0', method: 'page.open', params: { pageId: `b${i}` }, id: i + 1 })),
      { jsonrpc: '2.0', method: 'page.open', params: { pageId: 'note' } },
    ]);
    const m = await c.nextMessage();
    expect(m.data.map((r: { id: number }) => r.id)).toEqual([1, 2, 3]);
    for (const r of m.data) {
      expect(r.error.code).toBe(-32029);
      expect(r.error.message).toMatch(/limit of 3/);
    }
    expect(expectResult(await c.call('session.self')).pageIds).toEqual([]);
    c.sendJson(Array.from({ length: 3 }, (_, i) => ({ jsonrpc: '2.0', method: 'session.self', id: i + 10 })));
    expect((await c.nextMessage()).data).toHaveLength(3);
  });

  it('refuses over-long strings with -32602 naming the field', async () => {
    await using srv = await startTestServer();
    await using c = await RawClient.connect(srv.wsUrl);
    const cases: [unknown, RegExp][] = [
      [{ pageId: 'x'.repeat(129) }, /pageId/],
      [{ pageId: 'ok', path: '/'.repeat(2049) }, /path/],
      [{ pageId: 'ok', title: 't'.repeat(513) }, /title/],
    ];
    for (const [params, field] of cases) {
      const r = await c.call('page.open', params);
      expectError(r, -32602);
      expect(r.error?.message).toMatch(field);
    }
    expect(await upgradeStatus(srv.wsUrl, { project: 'p'.repeat(129) })).toBe(400);
  });
});

describe('connection limits at the upgrade', () => {
  it('refuses new sessions past maxSessionsPerAddress with 429, but lets resumes through', async () => {
    await using srv = await startTestServer({ maxSessionsPerAddress: 2 });
    await using a = await RawClient.connect(srv.wsUrl);
    await using b = await RawClient.connect(srv.wsUrl);
    expect(await upgradeStatus(srv.wsUrl)).toBe(429);
    // A second tab of an existing session is not a new session.
    await using tab = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(tab.welcome.resumed).toBe(true);
    expect((await (await fetch(`${srv.url}/healthz`)).json()).sessions).toBe(2);
    void b;
  });

  it('has no per-address limit with maxSessionsPerAddress 0', async () => {
    await using srv = await startTestServer({ maxSessionsPerAddress: 0 });
    const clients = await Promise.all(Array.from({ length: 5 }, () => RawClient.connect(srv.wsUrl)));
    expect(clients).toHaveLength(5);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('refuses sockets past maxSockets with 503, before any session is created', async () => {
    await using srv = await startTestServer({ maxSockets: 2 });
    await using a = await RawClient.connect(srv.wsUrl);
    await using b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(await upgradeStatus(srv.wsUrl)).toBe(503);
    expect((await (await fetch(`${srv.url}/healthz`)).json()).sessions).toBe(1);
    void b;
  });

  it('drops a connection that never sends its upgrade request', async () => {
    await using srv = await startTestServer({ handshakeTimeoutMs: 300 });
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const sock = netConnect(srv.port, '127.0.0.1');
      sock.on('error', reject);
      sock.on('close', () => resolve(Date.now() - started));
      sock.resume();
    });
    expect(closedAfter).toBeGreaterThanOrEqual(250);
    expect(closedAfter).toBeLessThan(5_000);
  });

  it('drops a connection that stalls halfway through its upgrade request', async () => {
    await using srv = await startTestServer({ handshakeTimeoutMs: 300 });
    const closed = await new Promise<boolean>((resolve) => {
      const sock = netConnect(srv.port, '127.0.0.1', () => sock.write('GET /ws HTTP/1.1\r\nHost: x\r\n'));
      sock.on('error', () => undefined);
      sock.on('close', () => resolve(true));
      sock.resume();
      setTimeout(() => resolve(false), 5_000);
    });
    expect(closed).toBe(true);
  });
});

describe('slow consumers', () => {
  it('closes a socket whose unsent data passes the hard mark, and frees the session', async () => {
    await using srv = await startTestServer({ sendHardLimit: 256 * 1024, rateLimitPerSecond: 0 });
    await using watcher = await connectAdmin(srv);
    const keep = await Promise.all(Array.from({ length: 40 }, () => RawClient.connect(srv.wsUrl)));
    await Promise.all(keep.map((c) => c.call('page.open', { pageId: 'p', title: 'y'.repeat(500) })));

    // A raw admin that stops reading its socket but keeps asking for the whole list.
    const slow = new WebSocket(`${srv.wsUrl}?project=slow`);
    await new Promise((resolve) => slow.once('message', resolve)); // the welcome
    slow.send(JSON.stringify({ jsonrpc: '2.0', method: 'auth.login', params: { token: ADMIN_TOKEN }, id: 0 }));
    await new Promise((resolve) => slow.once('message', resolve));
    const welcomeless = (await listSessions(watcher)).find((s) => s.project === 'slow');
    expect(welcomeless?.state).toBe('connected');
    (slow as unknown as { _socket: Socket })._socket.pause();
    for (let i = 1; i <= 400; i++) slow.send(JSON.stringify({ jsonrpc: '2.0', method: 'getSessionInfo', params: [], id: i }));

    const deadline = Date.now() + 10_000;
    let state = 'connected';
    while (state === 'connected' && Date.now() < deadline) {
      await sleep(100);
      state = (await listSessions(watcher)).find((s) => s.id === welcomeless?.id)?.state ?? 'gone';
    }
    expect(state).toBe('disconnected');
    slow.terminate();
    await Promise.all(keep.map((c) => c.close()));
  });
});
