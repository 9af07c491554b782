/**
 * Contract: Admin methods (getSessionStats, sessions.watch / unwatch / close, pages.close,
 * session.sendMessage). All need an admin, else -32003.
 */
import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, closedWithin, sleep, waitFor } from '../support/ws-client.js';
import { connectAdmin, connectWithToken, expectError, expectResult, healthz, sessionById } from '../support/contract.js';
import { userToken } from '../support/jwt.js';

const self = async (c: RawClient) => expectResult(await c.call('session.self'));

describe('admin methods need an admin', () => {
  const calls: [string, unknown][] = [
    ['getSessionStats', {}],
    ['sessions.watch', {}],
    ['sessions.unwatch', { subscription: 'whatever' }],
    ['sessions.close', { sessionId: '00000000-0000-4000-8000-000000000000' }],
    ['pages.close', { sessionId: '00000000-0000-4000-8000-000000000000', pageId: 'p' }],
    ['session.sendMessage', { sessionId: '00000000-0000-4000-8000-000000000000', type: 't' }],
  ];

  it.each(calls)('%s: -32003 when unauthenticated and for a non-admin JWT', async (method, params) => {
    await using srv = await startTestServer();
    const anon = await RawClient.connect(srv.wsUrl);
    expectError(await anon.call(method, params), -32003);
    const user = await connectWithToken(srv, await userToken('pleb', ['viewer']));
    expectError(await user.call(method, params), -32003);
    expect(anon.isOpen && user.isOpen).toBe(true);
    await anon.close();
    await user.close();
  });

  it('a non-admin cannot close another session', async () => {
    await using srv = await startTestServer();
    const victim = await RawClient.connect(srv.wsUrl);
    const user = await connectWithToken(srv, await userToken('pleb', ['viewer']));
    expectError(await user.call('sessions.close', { sessionId: victim.sessionId }), -32003);
    expect(await closedWithin(victim, 200)).toBeUndefined();
    await victim.close();
    await user.close();
  });
});

describe('getSessionStats', () => {
  it('counts sessions, users, pages and sessions by project, with filters', async () => {
    await using srv = await startTestServer();
    const admin = await connectWithToken(srv, await userToken('root', ['admin']), { project: 'Ops' });
    const a1 = await connectWithToken(srv, await userToken('alice'), { project: 'Stats' });
    const a2 = await connectWithToken(srv, await userToken('alice'), { project: 'Stats' });
    const b = await connectWithToken(srv, await userToken('bob'), { project: 'Stats 2' });
    expectResult(await a1.call('page.open', { pageId: 'x' }));
    expectResult(await a1.call('page.open', { pageId: 'y' }));
    expectResult(await a2.call('page.open', { pageId: 'z' }));
    expectResult(await b.call('page.open', { pageId: 'w' }));

    const stats = expectResult(await admin.call('getSessionStats', { projectFilter: 'Stats.*' }));
    expect(stats).toMatchObject({ sessions: 3, users: 2, pages: 4, byProject: { Stats: 2, 'Stats 2': 1 } });
    expect(Object.keys(stats.byProject).sort()).toEqual(['Stats', 'Stats 2']);

    const alice = expectResult(await admin.call('getSessionStats', { usernameFilter: 'alice' }));
    expect(alice).toMatchObject({ sessions: 2, users: 1, pages: 3, byProject: { Stats: 2 } });

    const all = expectResult(await admin.call('getSessionStats'));
    expect(all.sessions).toBe(4);
    expect(all.users).toBe(3);
    expect(all.byProject).toEqual({ Ops: 1, Stats: 2, 'Stats 2': 1 });
    // Agrees with the list.
    const list = expectResult(await admin.call('getSessionInfo'));
    expect(all.sessions).toBe(list.length);
    expect(all.pages).toBe(list.reduce((n: number, s: any) => n + s.activePages, 0));

    const bad = await admin.call('getSessionStats', { usernameFilter: '(' });
    expectError(bad, -32602);
    expect(bad.error!.message).toContain('usernameFilter');
    for (const c of [a1, a2, b, admin]) await c.close();
  });
});

describe('sessions.watch / sessions.changed / sessions.unwatch', () => {
  it('returns a snapshot, then added / updated / removed changes for matching sessions', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 200 });
    const admin = await connectAdmin(srv, { project: 'Ops' });
    const existing = await RawClient.connect(srv.wsUrl, { project: 'Watched' });
    const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Watched' }));
    expect(typeof watch.subscription).toBe('string');
    expect(watch.sessions.map((s: any) => s.id)).toEqual([existing.sessionId]);
    expect(typeof watch.sessions[0].totalBytesSent).toBe('number');

    const changes: any[] = [];
    admin.ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.method === 'sessions.changed') changes.push(msg.params);
    });
    const seen = (pred: (p: any) => boolean, what: string) => waitFor(() => changes.find(pred), 5_000, 20, what);

    // Added.
    const fresh = await RawClient.connect(srv.wsUrl, { project: 'Watched' });
    const added = await seen((p) => p.added.some((s: any) => s.id === fresh.sessionId), 'added');
    expect(added.subscription).toBe(watch.subscription);
    expect(Array.isArray(added.updated)).toBe(true);
    expect(Array.isArray(added.removed)).toBe(true);
    // Updated.
    expectResult(await fresh.call('page.open', { pageId: 'watched-page' }));
    await seen(
      (p) =>
        p.updated.some((s: any) => s.id === fresh.sessionId && s.pageIds.includes('watched-page')) ||
        p.added.some((s: any) => s.id === fresh.sessionId && s.pageIds.includes('watched-page')),
      'updated',
    );
    // Removed: the session ends (close, then the 200 ms timeout).
    await fresh.close();
    const removed = await seen((p) => p.removed.includes(fresh.sessionId), 'removed');
    expect(removed.subscription).toBe(watch.subscription);

    // Sessions of other projects never show up.
    const other = await RawClient.connect(srv.wsUrl, { project: 'Elsewhere' });
    expectResult(await other.call('page.open', {}));
    await sleep(400);
    for (const p of changes) {
      expect(p.added.map((s: any) => s.id)).not.toContain(other.sessionId);
      expect(p.updated.map((s: any) => s.id)).not.toContain(other.sessionId);
    }

    // Unwatch: nothing more.
    const un = expectResult(await admin.call('sessions.unwatch', { subscription: watch.subscription }));
    expect(un.subscription).toBe(watch.subscription);
    await sleep(300);
    const count = changes.length;
    const late = await RawClient.connect(srv.wsUrl, { project: 'Watched' });
    expectResult(await late.call('page.open', {}));
    await sleep(700);
    expect(changes.length).toBe(count);
    for (const c of [existing, other, late, admin]) await c.close();
  });

  it('coalesces changes: at most 4 notifications a second', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv, { project: 'Ops' });
    const busy = await RawClient.connect(srv.wsUrl, { project: 'Busy' });
    const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Busy' }));
    const times: number[] = [];
    admin.ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString());
      if (msg.method === 'sessions.changed' && msg.params.subscription === watch.subscription) times.push(Date.now());
    });
    const started = Date.now();
    // About 100 changes over ~1.5 s: a few pages, retitled again and again.
    for (let i = 0; i < 5; i++) busy.notify('page.open', { pageId: `p${i}` });
    for (let i = 0; i < 100; i++) {
      busy.notify('page.update', { pageId: `p${i % 5}`, title: `title ${i}` });
      if (i % 10 === 9) await sleep(150);
    }
    expectResult(await busy.call('session.self'));
    await sleep(600);
    const elapsed = Date.now() - started;
    expect(times.length).toBeGreaterThan(0);
    expect(times.length).toBeLessThan(100);
    // At most 4 per second over the whole run (+1 for a window boundary).
    expect(times.length).toBeLessThanOrEqual(Math.ceil((elapsed / 1000) * 4) + 1);
    // And no five inside any 850 ms window (a little slack for delivery jitter).
    for (let i = 4; i < times.length; i++) expect(times[i]! - times[i - 4]!).toBeGreaterThanOrEqual(850);
    await busy.close();
    await admin.close();
  });
});

describe('sessions.close', () => {
  it('every socket gets session.closing {message} and closes with 4000; the session ends and cannot be resumed', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 60_000 });
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    const r = expectResult(await admin.call('sessions.close', { sessionId: a.sessionId, message: 'Bye now' }));
    expect(r.sessionId).toBe(a.sessionId);
    for (const c of [a, b]) {
      const note = await c.nextMessage((d) => d?.method === 'session.closing');
      expect(note.data.params.message).toBe('Bye now');
      const closed = await closedWithin(c, 5_000);
      expect(closed?.code).toBe(4000);
    }
    // Ends at once: not listed, not counted, even with a 60 s session timeout.
    expect(await sessionById(admin, a.sessionId)).toBeUndefined();
    expect((await healthz(srv)).body.sessions).toBe(1);
    // Cannot be resumed.
    const again = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(again.welcome.resumed).toBe(false);
    expect(again.sessionId).not.toBe(a.sessionId);
    await again.close();
    await admin.close();
  });

  it('without a message, session.closing still carries a string message', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    expectResult(await admin.call('sessions.close', { sessionId: a.sessionId }));
    const note = await a.nextMessage((d) => d?.method === 'session.closing');
    expect(typeof note.data.params.message).toBe('string');
    expect((await closedWithin(a, 5_000))?.code).toBe(4000);
    await admin.close();
  });

  it('closes a disconnected session too; an unknown session gets -32004', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 60_000 });
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    await a.close();
    await waitFor(async () => ((await sessionById(admin, a.sessionId))?.state === 'disconnected' ? true : undefined), 3_000);
    expectResult(await admin.call('sessions.close', { sessionId: a.sessionId }));
    expect(await sessionById(admin, a.sessionId)).toBeUndefined();
    expectError(await admin.call('sessions.close', { sessionId: a.sessionId }), -32004);
    expectError(await admin.call('sessions.close', { sessionId: 'no-such-session' }), -32004);
    expectError(await admin.call('sessions.close', {}), -32602);
    await admin.close();
  });
});

describe('pages.close', () => {
  it('the socket that owns the page gets page.closing {pageId, message}; the page closes', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expectResult(await a.call('page.open', { pageId: 'pa' }));
    expectResult(await b.call('page.open', { pageId: 'pb' }));
    const r = expectResult(await admin.call('pages.close', { sessionId: a.sessionId, pageId: 'pb', message: 'Closed by ops' }));
    expect(r).toMatchObject({ sessionId: a.sessionId, pageId: 'pb' });
    const note = await b.nextMessage((d) => d?.method === 'page.closing');
    expect(note.data.params).toMatchObject({ pageId: 'pb', message: 'Closed by ops' });
    await sleep(100);
    expect(a.received.some((e) => e.data?.method === 'page.closing')).toBe(false);
    expect(a.isOpen && b.isOpen).toBe(true);
    const s = await waitFor(async () => {
      const info = await self(a);
      return info.pageIds.includes('pb') ? undefined : info;
    }, 3_000);
    expect(s.pageIds).toEqual(['pa']);
    for (const c of [a, b, admin]) await c.close();
  });

  it('an unknown page or session gets -32004', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    expectError(await admin.call('pages.close', { sessionId: a.sessionId, pageId: 'nope' }), -32004);
    expectError(await admin.call('pages.close', { sessionId: 'no-such-session', pageId: 'nope' }), -32004);
    expectError(await admin.call('pages.close', { sessionId: a.sessionId }), -32602);
    await a.close();
    await admin.close();
  });
});

describe('session.sendMessage', () => {
  it('delivers session.message {type, payload} to every socket of the session', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    const other = await RawClient.connect(srv.wsUrl);
    const payload = { level: 'info', text: 'Shift change in 5 minutes', n: [1, 2, 3] };
    const r = expectResult(await admin.call('session.sendMessage', { sessionId: a.sessionId, type: 'announce', payload }));
    expect(r.delivered).toBe(2);
    for (const c of [a, b]) {
      const m = await c.nextMessage((d) => d?.method === 'session.message');
      expect(m.data.params).toMatchObject({ type: 'announce', payload });
      expect('id' in m.data).toBe(false);
    }
    await sleep(100);
    expect(other.received.some((e) => e.data?.method === 'session.message')).toBe(false);
    for (const c of [a, b, other, admin]) await c.close();
  });

  it('with a pageId, only the socket that owns the page gets it', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expectResult(await b.call('page.open', { pageId: 'target' }));
    const r = expectResult(
      await admin.call('session.sendMessage', { sessionId: a.sessionId, type: 'nav', payload: '/x', pageId: 'target' }),
    );
    expect(r.delivered).toBe(1);
    const m = await b.nextMessage((d) => d?.method === 'session.message');
    expect(m.data.params).toMatchObject({ type: 'nav', payload: '/x', pageId: 'target' });
    await sleep(100);
    expect(a.received.some((e) => e.data?.method === 'session.message')).toBe(false);
    for (const c of [a, b, admin]) await c.close();
  });

  it('a disconnected session gets nothing (delivered 0); an unknown one -32004', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 60_000 });
    const admin = await connectAdmin(srv);
    const a = await RawClient.connect(srv.wsUrl);
    await a.close();
    await waitFor(async () => ((await sessionById(admin, a.sessionId))?.state === 'disconnected' ? true : undefined), 3_000);
    expect(expectResult(await admin.call('session.sendMessage', { sessionId: a.sessionId, type: 't' })).delivered).toBe(0);
    expectError(await admin.call('session.sendMessage', { sessionId: 'no-such-session', type: 't' }), -32004);
    expectError(await admin.call('session.sendMessage', { sessionId: a.sessionId }), -32602);
    await admin.close();
  });
});
