/**
 * Contract 1.1 "pages of sessions, and history": sessions.history and sessions.events over a
 * real socket, and live sessions that survive a graceful restart of a tracker with a data dir.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectAdmin } from '../support/contract.js';
import { signJwt, userToken } from '../support/jwt.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { closedWithin, RawClient, sleep } from '../support/ws-client.js';
import { waitFor } from '../support/wait.js';
import { startChildServer } from '../support/child-server.js';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'st-history-'));
  dirs.push(d);
  return join(d, 'data');
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function allEvents(admin: RawClient, params: Record<string, unknown> = {}) {
  return (await admin.result('sessions.events', params)).events as {
    at: string;
    type: string;
    sessionId: string;
    username: string;
    project: string;
    clientAddress: string;
    detail: Record<string, unknown>;
  }[];
}

describe('sessions.events', () => {
  it('records starts, logins, failed logins, pages, admin actions and ends, newest first, never a token', async () => {
    const dataDir = tempDir();
    const srv = await startTestServer({ dataDir, sessionTimeoutMs: 200 });
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    const sid = c.welcome.sessionId;
    const badJwt = await signJwt({ preferred_username: 'mallory' }, { secret: 'not-the-secret-but-long-enough-0123456789' });
    expect((await c.call('auth.login', { token: badJwt })).error?.code).toBe(-32001);
    await c.result('auth.login', { token: await userToken('billy', ['operator']) });
    await c.result('page.open', { pageId: 'p1', path: '/overview', title: 'Overview' });
    await c.result('page.open', { pageId: 'p2', path: '/alarms', title: 'Alarms' });
    await c.result('page.close', { pageId: 'p1' });
    await admin.result('pages.close', { sessionId: sid, pageId: 'p2', message: 'bye' });
    await c.result('auth.logout');
    await c.close();
    // Ended by the timeout once its last socket is gone.
    await waitFor(
      async () => ((await allEvents(admin, { sessionId: sid, types: ['session.end'] })).length === 1 ? true : undefined),
      'the session to end',
    );

    const evs = await allEvents(admin, { sessionId: sid });
    const types = evs.map((e) => e.type).reverse();
    expect(types).toEqual([
      'session.start',
      'login.failed',
      'login',
      'page.open',
      'page.open',
      'page.close',
      'page.close',
      'logout',
      'session.end',
    ]);
    for (let i = 1; i < evs.length; i++) expect(Date.parse(evs[i - 1]!.at)).toBeGreaterThanOrEqual(Date.parse(evs[i]!.at));
    const byType = (t: string) => evs.filter((e) => e.type === t);
    expect(byType('login.failed')[0]!.detail).toMatchObject({ claimedUsername: 'mallory' });
    expect(byType('login')[0]).toMatchObject({ username: 'billy', project: 'Plant', detail: { roles: ['operator'] } });
    expect(
      byType('page.open')
        .map((e) => e.detail.path)
        .sort(),
    ).toEqual(['/alarms', '/overview']);
    expect(
      byType('page.close')
        .map((e) => e.detail.by)
        .sort(),
    ).toEqual(['admin', 'client']);
    expect(byType('logout')[0]!.username).toBe('billy');
    expect(byType('session.end')[0]!.detail).toMatchObject({ reason: 'timeout', totalBytesSent: c.bytesSent });
    const actions = await allEvents(admin, { types: ['admin.action'] });
    expect(actions.some((e) => e.detail.action === 'pages.close' && e.detail.sessionId === sid && e.username === 'admin')).toBe(true);

    await admin.close();
    await srv.close();
    // Nothing secret in the store: neither the admin token nor either JWT.
    for (const f of readdirSync(dataDir)) {
      const text = readFileSync(join(dataDir, f)).toString('latin1');
      expect(text).not.toContain(ADMIN_TOKEN);
      expect(text).not.toContain(badJwt.split('.')[2]!);
    }
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
  });

  it('filters by type, user and time, pages with a cursor, and names bad params', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const clients = await Promise.all(Array.from({ length: 12 }, () => RawClient.connect(srv.wsUrl, { project: 'Paging' })));
    for (const c of clients) await c.result('page.open', { pageId: 'x', path: '/x' });
    const every = await allEvents(admin, { types: ['page.open'] });
    expect(every).toHaveLength(12);
    // Page through five at a time: each event once, none skipped.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { events: { sessionId: string }[]; next: string | null } = await admin.result('sessions.events', {
        types: ['page.open'],
        limit: 5,
        cursor,
      });
      expect(page.events.length).toBeLessThanOrEqual(5);
      seen.push(...page.events.map((e) => e.sessionId));
      cursor = page.next;
    } while (cursor !== null);
    expect(seen.sort()).toEqual(every.map((e) => e.sessionId).sort());
    expect(await allEvents(admin, { types: ['page.open'], usernameFilter: 'nobody' })).toEqual([]);
    expect(await allEvents(admin, { types: ['page.open'], from: Date.now() + 60_000 })).toEqual([]);
    expect(await allEvents(admin, { types: ['page.open'], to: new Date(Date.now() + 60_000).toISOString() })).toHaveLength(12);

    const bad = async (params: unknown) => (await admin.call('sessions.events', params)).error;
    expect((await bad({ from: 'yesterday-ish' }))?.message).toMatch(/from/);
    expect((await bad({ cursor: 'not-a-cursor' }))?.message).toMatch(/cursor/);
    expect((await bad({ types: ['page.opened'] }))?.code).toBe(-32602);
    expect((await bad({ limit: 0 }))?.code).toBe(-32602);
    expect((await bad({ limit: 10_001 }))?.code).toBe(-32602);
    expect((await bad({ usernameFilter: '(?<=a)b' }))?.code).toBe(-32602);
    const user = clients[0]!;
    expect((await user.call('sessions.events', {})).error?.code).toBe(-32003);
    expect((await user.call('sessions.history', {})).error?.code).toBe(-32003);
    await Promise.all(clients.map((c) => c.close()));
  });
});

describe('sessions.history', () => {
  it('lists ended sessions newest end first with their final SessionInfo, endedAt and endReason', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 100 });
    await using admin = await connectAdmin(srv);
    const timedOut = await RawClient.connect(srv.wsUrl, { project: 'Hist' });
    await timedOut.result('auth.login', { token: await userToken('tina') });
    await timedOut.result('page.open', { pageId: 'a', path: '/a' });
    const sent = timedOut.bytesSent;
    await timedOut.close();
    await waitFor(
      async () => (await admin.result('sessions.history', { projectFilter: 'Hist' })).sessions.length === 1,
      'the first session to time out',
    );
    const closed = await RawClient.connect(srv.wsUrl, { project: 'Hist' });
    await admin.result('sessions.close', { sessionId: closed.welcome.sessionId });
    await closedWithin(closed, 5_000);
    const list = await waitFor(async () => {
      const r = await admin.result('sessions.history', { projectFilter: 'Hist' });
      return r.sessions.length === 2 ? r : undefined;
    }, 'both sessions in the history');
    expect(list.next).toBeNull();
    const [first, second] = list.sessions;
    // The admin-closed one ended last.
    expect(first).toMatchObject({ id: closed.welcome.sessionId, endReason: 'closed', project: 'Hist' });
    expect(second).toMatchObject({
      id: timedOut.welcome.sessionId,
      endReason: 'timeout',
      username: 'tina',
      totalBytesSent: sent,
      state: 'disconnected',
    });
    expect(Date.parse(first.endedAt)).toBeGreaterThanOrEqual(Date.parse(second.endedAt));
    expect(Date.parse(second.endedAt) - Date.parse(second.creationTime)).toBe(second.uptime);
    // "Who was connected at T": from = to = T.
    const t = Date.parse(second.creationTime) + 1;
    const at = await admin.result('sessions.history', { from: t, to: t, projectFilter: 'Hist' });
    expect(at.sessions.map((s: { id: string }) => s.id)).toContain(timedOut.welcome.sessionId);
    const before = await admin.result('sessions.history', { to: Date.parse(second.creationTime) - 10_000 });
    expect(before.sessions).toEqual([]);
    expect((await admin.result('sessions.history', { usernameFilter: 'tina' })).sessions).toHaveLength(1);
  });
});

describe('a restart keeps live sessions', () => {
  it('brings them back disconnected and resumable, with counters and login exact', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    const c = await RawClient.connect(first.wsUrl, { project: 'Keep' });
    await c.result('auth.login', { token: await userToken('rita', ['operator']) });
    await c.result('page.open', { pageId: 'p', path: '/p' });
    const before = await c.result('session.self');
    await first.close();
    await closedWithin(c, 5_000);

    await using second = await startTestServer({ dataDir, port: 0 });
    await using admin = await connectAdmin(second);
    const listed = (await admin.result('getSessionInfo', [null, 'Keep'])) as {
      id: string;
      state: string;
      totalBytesSent: number;
      username: string;
      pageIds: string[];
    }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ id: before.id, state: 'disconnected', username: 'rita', pageIds: [] });
    // Everything the client sent before the restart, the session.self that read `before` included.
    expect(listed[0]!.totalBytesSent).toBe(c.bytesSent);
    const back = await RawClient.connect(second.wsUrl, { project: 'Keep', resume: c.welcome.resumeToken });
    expect(back.welcome).toMatchObject({ resumed: true, sessionId: before.id });
    const self = await back.result('session.self');
    expect(self).toMatchObject({
      username: 'rita',
      roles: ['operator'],
      creationTime: before.creationTime,
      messagesSent: before.messagesSent + 1,
    });
    await back.close();
  });

  it("keeps each session's per app method traffic across a restart", async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    first.tracker.handle('echo', (p) => p);
    const c = await RawClient.connect(first.wsUrl, { project: 'Traffic' });
    for (let i = 0; i < 3; i++) await c.result('app.echo', { n: i });
    const before = (await c.result('session.self')) as { traffic: Record<string, unknown> };
    expect(before.traffic.echo).toMatchObject({ messagesSent: 3, messagesReceived: 3 });
    await first.close();
    await closedWithin(c, 5_000);

    await using second = await startTestServer({ dataDir, port: 0 });
    await using admin = await connectAdmin(second);
    const [s] = (await admin.result('getSessionInfo', [null, 'Traffic'])) as { id: string; traffic: Record<string, unknown> }[];
    expect(s?.id).toBe(c.welcome.sessionId);
    expect(s?.traffic).toEqual(before.traffic);
  });

  it('after a SIGKILL, loses at most what came in the last flush interval', async () => {
    const dataDir = tempDir();
    const child = await startChildServer({ dataDir, historyFlushMs: 100 });
    const c = await RawClient.connect(child.wsUrl, { project: 'Crash' });
    await c.result('auth.login', { token: await userToken('kim') });
    for (let i = 0; i < 20; i++) await c.result('page.open', { pageId: `p${i % 3}`, path: `/p/${i}` });
    const sentBefore = c.bytesSent;
    // Three flush intervals of quiet: everything sent so far is on disk.
    await sleep(300);
    await c.result('session.self');
    await child.kill();
    await closedWithin(c, 5_000);

    await using second = await startTestServer({ dataDir });
    await using admin = await connectAdmin(second);
    const [s] = (await admin.result('getSessionInfo', [null, 'Crash'])) as {
      id: string;
      username: string;
      totalBytesSent: number;
      state: string;
    }[];
    expect(s).toMatchObject({ id: c.welcome.sessionId, username: 'kim', state: 'disconnected' });
    expect(s!.totalBytesSent).toBeGreaterThanOrEqual(sentBefore);
    expect(s!.totalBytesSent).toBeLessThanOrEqual(c.bytesSent);
    const events = await allEvents(admin, { sessionId: c.welcome.sessionId, types: ['session.start', 'login'] });
    expect(events.map((e) => e.type)).toEqual(['login', 'session.start']);
  });

  it('keeps nothing across restarts without a data dir (in memory)', async () => {
    const first = await startTestServer();
    const c = await RawClient.connect(first.wsUrl, { project: 'Gone' });
    await first.close();
    await closedWithin(c, 5_000);
    await using second = await startTestServer();
    await using admin = await connectAdmin(second);
    expect(await admin.result('getSessionInfo', [null, 'Gone'])).toEqual([]);
  });
});
