/**
 * Contract: Lifecycle (resume, tabs, disconnected sessions, timeout, heartbeat) and the
 * close codes 1001 and 1009.
 */
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, closedWithin, sleep, waitFor } from '../support/ws-client.js';
import { CHROME_ANDROID_UA, CHROME_WINDOWS_UA, connectAdmin, expectResult, healthz, sessionById } from '../support/contract.js';
import { userToken } from '../support/jwt.js';

const self = async (c: RawClient) => expectResult(await c.call('session.self'));

describe('resume: a second tab joins the session', () => {
  it('same sessionId, resumed:true, same resume token, shared counters and login', async () => {
    await using srv = await startTestServer();
    const a = await RawClient.connect(srv.wsUrl, { project: 'Tabs' });
    expectResult(await a.call('auth.login', { token: await userToken('tabby', ['viewer']) }));
    expectResult(await a.call('page.open', { pageId: 'a1' }));
    const b = await RawClient.connect(srv.wsUrl, { project: 'Tabs', resume: a.welcome.resumeToken });
    expect(b.welcome.resumed).toBe(true);
    expect(b.welcome.sessionId).toBe(a.welcome.sessionId);
    expect(b.welcome.resumeToken).toBe(a.welcome.resumeToken);
    const { text, response } = await b.callWithText('session.self');
    const s = expectResult(response);
    expect(s.id).toBe(a.sessionId);
    expect(s.username).toBe('tabby');
    expect(s.authorized).toBe(true);
    expect(s.totalBytesSent).toBe(a.bytesSent + Buffer.byteLength(text));
    expect(s.pageIds).toEqual(['a1']);
    // Both sockets are live: the first still answers.
    expect((await self(a)).id).toBe(a.sessionId);
    expect((await healthz(srv)).body.sessions).toBe(1);
    await a.close();
    await b.close();
  });

  it('a third tab joins too; the token stays the same for the whole session', async () => {
    await using srv = await startTestServer();
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    const c = await RawClient.connect(srv.wsUrl, { resume: b.welcome.resumeToken });
    for (const x of [b, c]) {
      expect(x.welcome.resumed).toBe(true);
      expect(x.sessionId).toBe(a.sessionId);
      expect(x.welcome.resumeToken).toBe(a.welcome.resumeToken);
    }
    // After the first tab leaves, the token still works.
    await a.close();
    const d = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(d.welcome.resumed).toBe(true);
    expect(d.sessionId).toBe(a.sessionId);
    expect(d.welcome.resumeToken).toBe(a.welcome.resumeToken);
    for (const x of [b, c, d]) await x.close();
  });

  it('project, scope, user agent and address stay as the first socket set them', async () => {
    await using srv = await startTestServer({ trustProxy: ['127.0.0.1/32'] });
    const a = await RawClient.connect(srv.wsUrl, {
      project: 'First',
      scope: 'designer',
      userAgent: CHROME_WINDOWS_UA,
      headers: { 'X-Forwarded-For': '203.0.113.10' },
    });
    const before = await self(a);
    expect(before.clientAddress).toBe('203.0.113.10');
    const b = await RawClient.connect(srv.wsUrl, {
      project: 'First',
      scope: 'android',
      resume: a.welcome.resumeToken,
      userAgent: CHROME_ANDROID_UA,
      headers: { 'X-Forwarded-For': '198.51.100.20' },
    });
    expect(b.welcome.resumed).toBe(true);
    for (const c of [a, b]) {
      const s = await self(c);
      expect(s.project).toBe('First');
      expect(s.sessionScope).toBe('designer');
      expect(s.userAgent).toBe(CHROME_WINDOWS_UA);
      expect(s.clientAddress).toBe('203.0.113.10');
      expect(s.device).toEqual(before.device);
      expect(s.creationTime).toBe(before.creationTime);
    }
    await a.close();
    await b.close();
  });

  it('resuming without a project parameter joins a session of the default project', async () => {
    await using srv = await startTestServer();
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(b.welcome.resumed).toBe(true);
    expect(b.sessionId).toBe(a.sessionId);
    await a.close();
    await b.close();
  });
});

describe('resume after a drop', () => {
  it('within the session timeout restores the session with its counters and login', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 5_000 });
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl, { project: 'Drop' });
    expectResult(await a.call('auth.login', { token: await userToken('dropper', ['viewer']) }));
    const sent = a.bytesSent;
    a.terminate();
    await a.closed;
    await waitFor(
      async () => ((await sessionById(admin, a.sessionId))?.state === 'disconnected' ? true : undefined),
      3_000,
      20,
      'disconnected',
    );
    const b = await RawClient.connect(srv.wsUrl, { project: 'Drop', resume: a.welcome.resumeToken });
    expect(b.welcome.resumed).toBe(true);
    expect(b.sessionId).toBe(a.sessionId);
    expect(b.welcome.resumeToken).toBe(a.welcome.resumeToken);
    const { text, response } = await b.callWithText('session.self');
    const s = expectResult(response);
    expect(s.username).toBe('dropper');
    expect(s.state).toBe('connected');
    expect(s.totalBytesSent).toBe(sent + Buffer.byteLength(text));
    expect((await sessionById(admin, a.sessionId)).state).toBe('connected');
    await b.close();
    await admin.close();
  });

  it('after a clean close within the timeout, too', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 5_000 });
    const a = await RawClient.connect(srv.wsUrl);
    await a.close();
    await sleep(50);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(b.welcome.resumed).toBe(true);
    expect(b.sessionId).toBe(a.sessionId);
    await b.close();
  });
});

describe('resume that starts a new session', () => {
  it('an unknown token: a new session, resumed:false', async () => {
    await using srv = await startTestServer();
    const a = await RawClient.connect(srv.wsUrl);
    for (const token of ['no-such-token', a.welcome.sessionId, `${a.welcome.resumeToken}x`]) {
      const c = await RawClient.connect(srv.wsUrl, { resume: token });
      expect(c.welcome.resumed).toBe(false);
      expect(c.sessionId).not.toBe(a.sessionId);
      expect(c.welcome.resumeToken).not.toBe(a.welcome.resumeToken);
      await c.close();
    }
    await a.close();
  });

  it('a token from another project: a new session in the requested project', async () => {
    await using srv = await startTestServer();
    const a = await RawClient.connect(srv.wsUrl, { project: 'Alpha' });
    expectResult(await a.call('auth.login', { token: await userToken('alf') }));
    const b = await RawClient.connect(srv.wsUrl, { project: 'Beta', resume: a.welcome.resumeToken });
    expect(b.welcome.resumed).toBe(false);
    expect(b.sessionId).not.toBe(a.sessionId);
    const s = await self(b);
    expect(s.project).toBe('Beta');
    expect(s.username).toBe('Unauthenticated');
    expect(s.totalBytesSent).toBeLessThan(a.bytesSent + 100);
    // The original session is untouched.
    expect((await self(a)).username).toBe('alf');
    await a.close();
    await b.close();
  });

  it('an expired token (the session ended): a new session', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 300 });
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    await a.close();
    await waitFor(async () => ((await sessionById(admin, a.sessionId)) === undefined ? true : undefined), 5_000, 25, 'the session to end');
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(b.welcome.resumed).toBe(false);
    expect(b.sessionId).not.toBe(a.sessionId);
    expect(b.welcome.resumeToken).not.toBe(a.welcome.resumeToken);
    await b.close();
    await admin.close();
  });
});

describe('disconnected sessions and the session timeout', () => {
  it('stay listed, state "disconnected", counted by /healthz, until the timeout; then end', async () => {
    const timeout = 600;
    await using srv = await startTestServer({ sessionTimeoutMs: timeout });
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl, { project: 'Gone' });
    expect((await sessionById(admin, a.sessionId)).state).toBe('connected');
    await a.close();
    const seenAt = await waitFor(
      async () => ((await sessionById(admin, a.sessionId))?.state === 'disconnected' ? Date.now() : undefined),
      2_000,
      10,
      'disconnected state',
    );
    const closedAt = Date.now();
    expect((await healthz(srv)).body.sessions).toBe(2);
    // Still there a while later (well within the timeout).
    await sleep(150);
    if (Date.now() - seenAt < timeout - 150) {
      const s = await sessionById(admin, a.sessionId);
      expect(s, 'still listed within the timeout').toBeDefined();
      expect(s.state).toBe('disconnected');
      expect(s.activePages).toBe(0);
    }
    // Then it ends.
    await waitFor(async () => ((await sessionById(admin, a.sessionId)) === undefined ? true : undefined), 5_000, 25, 'the session to end');
    expect(Date.now() - closedAt).toBeGreaterThanOrEqual(timeout - 200);
    expect((await healthz(srv)).body.sessions).toBe(1);
    await admin.close();
  });

  it('a session with two sockets is not disconnected while one is open', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 300 });
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    await a.close();
    await sleep(600);
    const s = await sessionById(admin, a.sessionId);
    expect(s).toBeDefined();
    expect(s.state).toBe('connected');
    expect((await self(b)).id).toBe(a.sessionId);
    await b.close();
    await admin.close();
  });

  it('the default session timeout is 30 s: a closed session is still listed shortly after', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    await a.close();
    await sleep(500);
    const s = await sessionById(admin, a.sessionId);
    expect(s?.state).toBe('disconnected');
    await admin.close();
  });
});

describe('heartbeat', () => {
  it('a socket that does not answer pings is dropped within about two intervals', async () => {
    await using srv = await startTestServer({ heartbeatMs: 100, sessionTimeoutMs: 60_000 });
    const admin = await connectAdmin(srv);
    const mute = await RawClient.connect(srv.wsUrl, { autoPong: false });
    expect(mute.welcome.heartbeatMs).toBe(100);
    let pings = 0;
    mute.ws.on('ping', () => pings++);
    const closed = await closedWithin(mute, 2_000);
    expect(closed, 'dropped').toBeDefined();
    expect(pings).toBeGreaterThanOrEqual(1);
    // Its session stays, disconnected, until the session timeout.
    const s = await waitFor(async () => {
      const info = await sessionById(admin, mute.sessionId);
      return info?.state === 'disconnected' ? info : undefined;
    }, 2_000);
    expect(s.state).toBe('disconnected');
    await admin.close();
  });

  it('a socket that answers pings stays', async () => {
    await using srv = await startTestServer({ heartbeatMs: 100 });
    const c = await RawClient.connect(srv.wsUrl);
    let pings = 0;
    c.ws.on('ping', () => pings++);
    expect(await closedWithin(c, 1_000)).toBeUndefined();
    expect(pings).toBeGreaterThanOrEqual(3);
    expect(c.isOpen).toBe(true);
    expect((await self(c)).state).toBe('connected');
    await c.close();
  });

  it('a second tab that stops answering is dropped; the other tab and the session stay', async () => {
    await using srv = await startTestServer({ heartbeatMs: 100 });
    const good = await RawClient.connect(srv.wsUrl);
    const mute = await RawClient.connect(srv.wsUrl, { resume: good.welcome.resumeToken, autoPong: false });
    expect(mute.sessionId).toBe(good.sessionId);
    expect(await closedWithin(mute, 2_000)).toBeDefined();
    expect(good.isOpen).toBe(true);
    expect((await self(good)).state).toBe('connected');
    await good.close();
  });
});

describe('close codes', () => {
  it('a message over maxPayload closes the socket with 1009', async () => {
    await using srv = await startTestServer({ maxPayload: 1_024 });
    const c = await RawClient.connect(srv.wsUrl);
    c.sendRaw(JSON.stringify({ jsonrpc: '2.0', method: 'page.open', params: { title: 'x'.repeat(2_000) }, id: 1 }));
    const closed = await closedWithin(c, 5_000);
    expect(closed).toBeDefined();
    expect(closed!.code).toBe(1009);
  });

  it('a message of exactly maxPayload bytes is accepted', async () => {
    await using srv = await startTestServer({ maxPayload: 1_024 });
    const c = await RawClient.connect(srv.wsUrl);
    const base = JSON.stringify({ jsonrpc: '2.0', method: 'session.self', id: 'pad' });
    // Pad with spaces (valid JSON whitespace) to exactly 1,024 bytes.
    const text = `${base.slice(0, -1) + ' '.repeat(1_024 - base.length)}}`;
    expect(Buffer.byteLength(text)).toBe(1_024);
    c.sendRaw(text);
    const r = await c.nextMessage((d) => d?.id === 'pad');
    expect(r.data.result.id).toBe(c.sessionId);
    expect(c.isOpen).toBe(true);
    await c.close();
  });

  it('the default maxPayload is 64 KiB', async () => {
    await using srv = await startTestServer();
    const ok = await RawClient.connect(srv.wsUrl);
    const base = JSON.stringify({ jsonrpc: '2.0', method: 'session.self', id: 'big' });
    const text = `${base.slice(0, -1) + ' '.repeat(64 * 1024 - base.length)}}`;
    ok.sendRaw(text);
    expect((await ok.nextMessage((d) => d?.id === 'big')).data.result).toBeDefined();
    await ok.close();
    const tooBig = await RawClient.connect(srv.wsUrl);
    tooBig.sendRaw(`${text} `);
    expect((await closedWithin(tooBig, 5_000))?.code).toBe(1009);
  });

  it('closing the server closes sockets with 1001', async () => {
    const srv = await startTestServer();
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    await srv.close();
    expect((await closedWithin(a, 5_000))?.code).toBe(1001);
    expect((await closedWithin(b, 5_000))?.code).toBe(1001);
  });
});
