/**
 * Contract: the byte rule. Every text or binary data message received on any socket of the
 * session counts its payload length, valid or not, before it is handled; ping, pong and
 * close frames do not count; counters survive a resume.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, closedWithin, sleep, waitFor } from '../support/ws-client.js';
import { byteLength, connectAdmin, expectError, expectResult, sessionById } from '../support/contract.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;

beforeAll(async () => {
  srv = await startTestServer({ sessionTimeoutMs: 60_000 });
});
afterAll(async () => {
  await srv?.close();
});

describe('a request sees itself counted', () => {
  it('getSessionInfo: recentBytesSent is its own length, totalBytesSent includes it', async () => {
    const admin = await connectAdmin(srv);
    const loginBytes = admin.bytesSent;
    expect(loginBytes).toBeGreaterThan(0);
    const { response, text } = await admin.callWithText('getSessionInfo', [null, null]);
    const me = expectResult(response).find((s: any) => s.id === admin.sessionId);
    expect(me.recentBytesSent).toBe(byteLength(text));
    expect(me.totalBytesSent).toBe(loginBytes + byteLength(text));
    expect(me.totalBytesSent).toBe(admin.bytesSent);
    await admin.close();
  });

  it('session.self: the same rule', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const first = await c.callWithText('session.self');
    let s = expectResult(first.response);
    expect(s.recentBytesSent).toBe(byteLength(first.text));
    expect(s.totalBytesSent).toBe(byteLength(first.text));
    // A longer request: the recent counter follows the latest message.
    const second = await c.request({ jsonrpc: '2.0', method: 'session.self', params: {}, id: 'a-longer-id-than-before' });
    s = expectResult(second.response);
    expect(s.recentBytesSent).toBe(byteLength(second.text));
    expect(s.totalBytesSent).toBe(byteLength(first.text) + byteLength(second.text));
    await c.close();
  });

  it('starts at zero: a fresh session has sent nothing', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const s = await sessionById(admin, c.sessionId);
    expect(s.totalBytesSent).toBe(0);
    expect(s.recentBytesSent).toBe(0);
    await c.close();
    await admin.close();
  });
});

describe('what counts', () => {
  it('multi-byte UTF-8 text counts bytes, not characters', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const title = 'Ünïcödé ✓ 日本語 😀🏭';
    const { text } = await c.callWithText('page.open', { pageId: 'utf8', title });
    expect(byteLength(text)).toBeGreaterThan(text.length);
    const s = await sessionById(admin, c.sessionId);
    expect(s.recentBytesSent).toBe(byteLength(text));
    expect(s.totalBytesSent).toBe(byteLength(text));
    expect(s.pages.find((p: any) => p.id === 'utf8').title).toBe(title);
    await c.close();
    await admin.close();
  });

  it('invalid JSON, invalid requests, unknown methods and notifications all count', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const frames = [
      'this is not json ✗',
      '{"jsonrpc":"2.0","method":1}',
      '[1,2,3]',
      '[]',
      '{"jsonrpc":"2.0","method":"no.such.method","id":"raw-1"}',
      '{"jsonrpc":"2.0","method":"page.open","params":{"pageId":"n"}}',
      '{"jsonrpc":"2.0","method":"page.close","params":{"pageId":"unknown"},"id":"raw-2"}',
    ];
    for (const f of frames) c.sendRaw(f);
    // Everything that needs an answer is answered before we look.
    const last = await c.callWithText('page.update', { pageId: 'n', title: 'x' });
    expectResult(last.response);
    const expected = frames.reduce((sum, f) => sum + byteLength(f), 0) + byteLength(last.text);
    const s = await sessionById(admin, c.sessionId);
    expect(s.totalBytesSent).toBe(expected);
    expect(s.recentBytesSent).toBe(byteLength(last.text));
    await c.close();
    await admin.close();
  });

  it('the most recent message counts even when it is invalid', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const bad = '{ not json at all, and a bit longer than usual }';
    c.sendRaw(bad);
    await c.nextMessage((d) => d?.error?.code === -32700);
    const s = await sessionById(admin, c.sessionId);
    expect(s.recentBytesSent).toBe(byteLength(bad));
    expect(s.totalBytesSent).toBe(byteLength(bad));
    await c.close();
    await admin.close();
  });

  it('a binary frame is counted and answered with -32700 (id null); the socket stays open', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const payload = Buffer.from([0x7b, 0x22, 0x6a, 0x73, 0x00, 0xff, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70]);
    c.sendRaw(payload, { binary: true });
    const reply = await c.nextMessage((d) => d && 'error' in d);
    expectError(reply.data, -32700, null);
    // Even a binary frame holding a valid request is not handled as one.
    const valid = Buffer.from(JSON.stringify({ jsonrpc: '2.0', method: 'session.self', id: 77 }));
    c.sendRaw(valid, { binary: true });
    const reply2 = await c.nextMessage((d) => d && 'error' in d);
    expectError(reply2.data, -32700, null);
    expect(c.isOpen).toBe(true);
    const s = await sessionById(admin, c.sessionId);
    expect(s.totalBytesSent).toBe(payload.length + valid.length);
    expect(s.recentBytesSent).toBe(valid.length);
    await c.close();
    await admin.close();
  });

  it('a fragmented message counts its whole payload once', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const text = JSON.stringify({ jsonrpc: '2.0', method: 'session.self', id: 'fragmented' });
    c.ws.send(text.slice(0, 10), { fin: false });
    c.ws.send(text.slice(10, 30), { fin: false });
    c.ws.send(text.slice(30), { fin: true });
    const s = (await c.nextMessage((d) => d?.id === 'fragmented')).data.result;
    expect(s.recentBytesSent).toBe(byteLength(text));
    expect(s.totalBytesSent).toBe(byteLength(text));
    await c.close();
  });

  it('messages refused by the rate limit (-32029) still count', async () => {
    await using s = await startTestServer({ rateLimitPerSecond: 1, rateLimitBurst: 2 });
    const c = await RawClient.connect(s.wsUrl);
    const texts = Array.from({ length: 6 }, (_, i) => JSON.stringify({ jsonrpc: '2.0', method: 'session.self', id: `rl-${i}` }));
    for (const t of texts) c.sendRaw(t);
    for (let i = 0; i < 6; i++) await c.nextMessage((d) => d?.id === `rl-${i}`);
    const limited = c.received.filter((e) => e.data?.error?.code === -32029);
    expect(limited.length).toBeGreaterThan(0);
    const admin = await connectAdmin(s);
    const info = await sessionById(admin, c.sessionId);
    expect(info.totalBytesSent).toBe(texts.reduce((n, t) => n + byteLength(t), 0));
    await c.close();
    await admin.close();
  });

  it('an empty text frame counts 0 bytes but is still the most recent message', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const first = await c.callWithText('session.self');
    c.sendRaw('');
    await c.nextMessage((d) => d?.error?.code === -32700);
    const s = await sessionById(admin, c.sessionId);
    expect(s.totalBytesSent).toBe(byteLength(first.text));
    expect(s.recentBytesSent).toBe(0);
    await c.close();
    await admin.close();
  });
});

describe('what does not count', () => {
  it('ping frames from the client do not count', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const { text } = await c.callWithText('session.self');
    for (let i = 0; i < 5; i++) await c.ping(Buffer.alloc(100, 0x61));
    const s = await sessionById(admin, c.sessionId);
    expect(s.totalBytesSent).toBe(byteLength(text));
    expect(s.recentBytesSent).toBe(byteLength(text));
    await c.close();
    await admin.close();
  });

  it('unsolicited pong frames do not count', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const first = await c.callWithText('session.self');
    for (let i = 0; i < 5; i++) c.ws.pong(Buffer.alloc(50, 0x62));
    // Frames on one socket arrive in order: the pongs are in before this request.
    const second = await c.callWithText('session.self');
    const s = expectResult(second.response);
    expect(s.totalBytesSent).toBe(byteLength(first.text) + byteLength(second.text));
    expect(s.recentBytesSent).toBe(byteLength(second.text));
    await c.close();
  });

  it('pongs answering the heartbeat do not count', async () => {
    await using s = await startTestServer({ heartbeatMs: 50 });
    const admin = await connectAdmin(s);
    const c = await RawClient.connect(s.wsUrl);
    let pings = 0;
    c.ws.on('ping', () => pings++);
    const { text } = await c.callWithText('session.self');
    await waitFor(() => (pings >= 3 ? true : undefined), 3_000, 10, 'three heartbeat pings');
    const info = await sessionById(admin, c.sessionId);
    expect(info.totalBytesSent).toBe(byteLength(text));
    expect(info.recentBytesSent).toBe(byteLength(text));
    await c.close();
    await admin.close();
  });
});

describe('close frames do not count', () => {
  it("a tab's close frame (with a long reason) adds nothing to the session's counters", async () => {
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    const first = await a.callWithText('session.self');
    b.ws.close(1000, 'r'.repeat(120));
    await b.closed;
    const second = await a.callWithText('session.self');
    const s = expectResult(second.response);
    expect(s.totalBytesSent).toBe(byteLength(first.text) + byteLength(second.text));
    expect(s.recentBytesSent).toBe(byteLength(second.text));
    await a.close();
  });
});

describe('invalid UTF-8', () => {
  it('a text frame that is not valid UTF-8 closes the socket with 1007', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    c.sendRaw(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), { binary: false });
    const closed = await closedWithin(c, 5_000);
    expect(closed, 'socket closed').toBeDefined();
    expect(closed!.code).toBe(1007);
  });
});

describe('counters belong to the session', () => {
  it('bytes from two sockets of one session add up', async () => {
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(b.sessionId).toBe(a.sessionId);
    const ta = await a.callWithText('page.open', { pageId: 'tab-a', title: 'first tab' });
    const tb = await b.callWithText('page.open', { pageId: 'tab-b', title: 'the second tab, a bit longer' });
    const ta2 = await a.callWithText('session.self');
    const s = expectResult(ta2.response);
    expect(s.totalBytesSent).toBe(byteLength(ta.text) + byteLength(tb.text) + byteLength(ta2.text));
    expect(s.recentBytesSent).toBe(byteLength(ta2.text));
    const seen = await sessionById(admin, a.sessionId);
    expect(seen.totalBytesSent).toBe(a.bytesSent + b.bytesSent);
    // The most recent message of the session, whichever socket sent it.
    const tb2 = await b.callWithText('page.update', { pageId: 'tab-b', title: 'x' });
    expectResult(tb2.response);
    expect((await sessionById(admin, a.sessionId)).recentBytesSent).toBe(byteLength(tb2.text));
    await a.close();
    await b.close();
    await admin.close();
  });

  it('counters survive a resume after a drop', async () => {
    const admin = await connectAdmin(srv);
    const c1 = await RawClient.connect(srv.wsUrl);
    await c1.callWithText('page.open', { pageId: 'before-drop', title: 'some bytes before the drop' });
    c1.sendRaw('garbage that still counts');
    await c1.nextMessage((d) => d?.error?.code === -32700);
    const sentBefore = c1.bytesSent;
    c1.terminate();
    await c1.closed;
    await waitFor(
      async () => ((await sessionById(admin, c1.sessionId))?.state === 'disconnected' ? true : undefined),
      3_000,
      20,
      'the drop to be seen',
    );
    const c2 = await RawClient.connect(srv.wsUrl, { resume: c1.welcome.resumeToken });
    expect(c2.welcome.resumed).toBe(true);
    expect(c2.sessionId).toBe(c1.sessionId);
    const after = await c2.callWithText('session.self');
    const s = expectResult(after.response);
    expect(s.totalBytesSent).toBe(sentBefore + byteLength(after.text));
    expect(s.recentBytesSent).toBe(byteLength(after.text));
    await c2.close();
    await admin.close();
  });
});

describe('lastComm counts pongs', () => {
  it('a session that only answers heartbeat pings keeps a small lastComm', async () => {
    await using s = await startTestServer({ heartbeatMs: 100 });
    const admin = await connectAdmin(s);
    const c = await RawClient.connect(s.wsUrl);
    expectResult(await c.call('session.self'));
    // Idle (no data message) for 8 heartbeats; only pongs flow.
    await sleep(800);
    const info = await sessionById(admin, c.sessionId);
    expect(info.lastComm).toBeLessThan(500);
    expect(info.totalBytesSent).toBe(c.bytesSent);
    expect(c.isOpen).toBe(true);
    await c.close();
    await admin.close();
  });

  it('a ping frame from the client resets lastComm too (any frame), without counting bytes', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    const { text } = await c.callWithText('session.self');
    await sleep(400);
    expect((await sessionById(admin, c.sessionId)).lastComm).toBeGreaterThanOrEqual(350);
    // Bounded by what the test measured (frame sent at `sent`, answer read by `read`), not by a
    // fixed figure that a loaded machine overruns.
    const sent = Date.now();
    await c.ping();
    const s = await sessionById(admin, c.sessionId);
    expect(s.lastComm).toBeLessThanOrEqual(Date.now() - sent + 1);
    expect(s.totalBytesSent).toBe(byteLength(text));
    await c.close();
    await admin.close();
  });

  it('an unsolicited pong also resets lastComm', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('session.self'));
    await sleep(400);
    expect((await sessionById(admin, c.sessionId)).lastComm).toBeGreaterThanOrEqual(350);
    const sent = Date.now();
    c.ws.pong();
    await sleep(50);
    expect((await sessionById(admin, c.sessionId)).lastComm).toBeLessThanOrEqual(Date.now() - sent + 1);
    await c.close();
    await admin.close();
  });
});
