/**
 * Contract: Transport (PROTOCOL.md "Transport", "SessionInfo.clientAddress",
 * "Lifecycle: disconnected sessions are counted by /healthz").
 */
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, upgradeStatus, waitFor } from '../support/ws-client.js';
import { connectAdmin, healthz, sessionById } from '../support/contract.js';

describe('GET /healthz', () => {
  it('answers 200 with JSON {status:"ok", sessions:<count>}', async () => {
    await using srv = await startTestServer();
    const res = await healthz(srv);
    expect(res.status).toBe(200);
    expect(res.contentType ?? '').toMatch(/application\/json/);
    expect(res.body.status).toBe('ok');
    expect(res.body.sessions).toBe(0);
  });

  it('counts sessions, one per session (not per socket), and still counts disconnected ones', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 60_000 });
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl);
    expect((await healthz(srv)).body.sessions).toBe(2);
    // A second tab of session a: still two sessions.
    const a2 = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(a2.welcome.resumed).toBe(true);
    expect((await healthz(srv)).body.sessions).toBe(2);
    // All of b's sockets close: b is disconnected but alive, so still counted.
    await b.close();
    await a.close();
    await a2.close();
    // Give the server a moment to see the closes, then count again.
    const admin = await connectAdmin(srv);
    await waitFor(async () => ((await sessionById(admin, b.sessionId))?.state === 'disconnected' ? true : undefined), 3_000);
    expect((await healthz(srv)).body.sessions).toBe(3); // a, b, admin
    await admin.close();
  });
});

describe('query parameters on /ws', () => {
  it('defaults project to "default" and scope to "browser"', async () => {
    await using srv = await startTestServer();
    const c = await RawClient.connect(srv.wsUrl);
    const self = (await c.call('session.self')).result;
    expect(self.project).toBe('default');
    expect(self.sessionScope).toBe('browser');
    await c.close();
  });

  it.each(['browser', 'designer', 'ios', 'android'])('accepts scope %s and reports it as sessionScope', async (scope) => {
    await using srv = await startTestServer();
    const c = await RawClient.connect(srv.wsUrl, { scope });
    expect((await c.call('session.self')).result.sessionScope).toBe(scope);
    await c.close();
  });

  it('accepts a project of letters, digits, space, _ . - and reports it unchanged', async () => {
    await using srv = await startTestServer();
    const project = 'My Project_2.0-beta';
    const c = await RawClient.connect(srv.wsUrl, { project });
    expect((await c.call('session.self')).result.project).toBe(project);
    await c.close();
  });

  it('accepts a project of exactly 128 characters and of 1 character', async () => {
    await using srv = await startTestServer();
    for (const project of ['p'.repeat(128), 'x', '7']) {
      const c = await RawClient.connect(srv.wsUrl, { project });
      expect((await c.call('session.self')).result.project).toBe(project);
      await c.close();
    }
  });

  it.each([
    ['over 128 characters', 'p'.repeat(129)],
    ['empty', ''],
    ['a slash', 'a/b'],
    ['angle brackets', '<script>'],
    ['an exclamation mark', 'proj!'],
    ['a colon', 'a:b'],
    ['a tab', 'a\tb'],
    ['a NUL', 'a\u0000b'],
    ['a newline', 'a\nb'],
  ])('refuses a project with %s with HTTP 400 before the upgrade', async (_what, project) => {
    await using srv = await startTestServer();
    expect(await upgradeStatus(srv.wsUrl, { project })).toBe(400);
    expect((await healthz(srv)).body.sessions).toBe(0);
  });

  it.each([
    ['an unknown scope', 'web'],
    ['a capitalised scope', 'Browser'],
    ['an empty scope', ''],
    ['gateway', 'gateway'],
  ])('refuses %s with HTTP 400 before the upgrade', async (_what, scope) => {
    await using srv = await startTestServer();
    expect(await upgradeStatus(srv.wsUrl, { scope })).toBe(400);
    expect((await healthz(srv)).body.sessions).toBe(0);
  });

  it.each([
    ['a stray percent sign', 'project=100%'],
    ['a broken escape', 'project=%E0%A4%A'],
    ['an escape of invalid UTF-8', 'project=%FF%FE'],
    ['an encoded slash', 'project=a%2Fb'],
  ])('refuses a project with %s with HTTP 400 (raw query)', async (_what, rawQuery) => {
    await using srv = await startTestServer();
    expect(await upgradeStatus(srv.wsUrl, { rawQuery })).toBe(400);
  });

  it('refuses a bad scope even with a good project', async () => {
    await using srv = await startTestServer();
    expect(await upgradeStatus(srv.wsUrl, { project: 'fine', scope: 'nope' })).toBe(400);
  });
});

describe('Origin allow-list', () => {
  const allowed = 'https://app.example.com';

  it('refuses an Origin not in the allow-list with HTTP 403', async () => {
    await using srv = await startTestServer({ allowedOrigins: [allowed] });
    expect(await upgradeStatus(srv.wsUrl, { origin: 'https://evil.example.com' })).toBe(403);
    expect(await upgradeStatus(srv.wsUrl, { origin: 'https://app.example.com.evil.com' })).toBe(403);
    expect(await upgradeStatus(srv.wsUrl, { origin: 'http://app.example.com' })).toBe(403);
    // A sandboxed or opaque origin is not in the list either.
    expect(await upgradeStatus(srv.wsUrl, { origin: 'null' })).toBe(403);
    expect((await healthz(srv)).body.sessions).toBe(0);
  });

  it('lets an allowed Origin through, and gives it a session', async () => {
    await using srv = await startTestServer({ allowedOrigins: [allowed] });
    const c = await RawClient.connect(srv.wsUrl, { origin: allowed });
    expect(c.welcome.sessionId).toBeTruthy();
    await c.close();
  });

  it('lets a request without Origin through (not a browser)', async () => {
    await using srv = await startTestServer({ allowedOrigins: [allowed] });
    const c = await RawClient.connect(srv.wsUrl);
    expect(c.welcome.sessionId).toBeTruthy();
    await c.close();
  });

  it('lets any Origin through when no allow-list is set', async () => {
    await using srv = await startTestServer();
    expect(await upgradeStatus(srv.wsUrl, { origin: 'https://anything.example.org' })).toBe(101);
  });
});

describe('clientAddress and X-Forwarded-For', () => {
  async function addressOf(srv: { url: string; wsUrl: string }, headers: Record<string, string>): Promise<string> {
    const c = await RawClient.connect(srv.wsUrl, { headers });
    const self = (await c.call('session.self')).result;
    await c.close();
    return self.clientAddress;
  }

  it('is the peer address when no proxy is trusted, X-Forwarded-For ignored', async () => {
    await using srv = await startTestServer();
    expect(await addressOf(srv, {})).toBe('127.0.0.1');
    expect(await addressOf(srv, { 'X-Forwarded-For': '203.0.113.7' })).toBe('127.0.0.1');
  });

  it('ignores X-Forwarded-For when the peer is not in trustProxy', async () => {
    await using srv = await startTestServer({ trustProxy: ['10.0.0.0/8'] });
    expect(await addressOf(srv, { 'X-Forwarded-For': '203.0.113.7' })).toBe('127.0.0.1');
  });

  it('uses X-Forwarded-For when the peer (127.0.0.1) is a trusted proxy', async () => {
    await using srv = await startTestServer({ trustProxy: ['127.0.0.1/32'] });
    expect(await addressOf(srv, { 'X-Forwarded-For': '203.0.113.7' })).toBe('203.0.113.7');
    // Without the header, the peer itself.
    expect(await addressOf(srv, {})).toBe('127.0.0.1');
  });

  it('takes the right-most hop that is not a trusted proxy', async () => {
    await using srv = await startTestServer({ trustProxy: ['127.0.0.0/8'] });
    // 10.0.0.1 is not trusted: it is the client as far as we can tell; 198.51.100.9 may be spoofed.
    expect(await addressOf(srv, { 'X-Forwarded-For': '198.51.100.9, 203.0.113.7, 10.0.0.1' })).toBe('10.0.0.1');
  });

  it('skips trusted hops from the right', async () => {
    await using srv = await startTestServer({ trustProxy: ['127.0.0.1/32', '10.0.0.0/8'] });
    expect(await addressOf(srv, { 'X-Forwarded-For': '198.51.100.9, 203.0.113.7, 10.1.2.3, 10.0.0.1' })).toBe('203.0.113.7');
  });
});
