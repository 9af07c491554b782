import { describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { connectAdmin, connectWithToken, expectError, expectResult, listSessions } from '../support/contract.js';
import { userToken } from '../support/jwt.js';

describe('admin methods need an admin', () => {
  it('answers -32003 to every admin method for a non-admin, logged in or not', async () => {
    await using srv = await startTestServer();
    await using anon = await RawClient.connect(srv.wsUrl);
    await using user = await connectWithToken(srv, await userToken('bob', ['operator']));
    const calls: [string, unknown][] = [
      ['getSessionStats', {}],
      ['sessions.watch', {}],
      ['sessions.unwatch', { subscription: 'x' }],
      ['sessions.close', { sessionId: anon.sessionId }],
      ['pages.close', { sessionId: anon.sessionId, pageId: 'p' }],
      ['session.sendMessage', { sessionId: anon.sessionId, type: 't' }],
    ];
    for (const client of [anon, user]) {
      for (const [method, params] of calls) expectError(await client.call(method, params), -32003);
    }
  });
});

describe('getSessionStats', () => {
  it('counts sessions, logged-in users, pages and sessions by project, with filters', async () => {
    await using srv = await startTestServer();
    await using a = await connectWithToken(srv, await userToken('alice'), { project: 'Alpha' });
    await using b = await connectWithToken(srv, await userToken('alice'), { project: 'Beta' });
    await using c = await RawClient.connect(srv.wsUrl, { project: 'Beta' });
    await a.call('page.open', { pageId: 'a1' });
    await a.call('page.open', { pageId: 'a2' });
    await c.call('page.open', { pageId: 'c1' });
    await using admin = await connectAdmin(srv, { project: 'Ops' });
    expect(expectResult(await admin.call('getSessionStats', {}))).toEqual({
      sessions: 4,
      users: 2, // alice (twice) and admin; unauthenticated is nobody
      pages: 3,
      byProject: { Alpha: 1, Beta: 2, Ops: 1 },
    });
    expect(expectResult(await admin.call('getSessionStats', { projectFilter: 'Beta' }))).toEqual({
      sessions: 2,
      users: 1,
      pages: 1,
      byProject: { Beta: 2 },
    });
    expectError(await admin.call('getSessionStats', { usernameFilter: '[' }), -32602);
    void b;
  });
});

describe('sessions.watch', () => {
  it('gives a snapshot, then coalesced added / updated / removed diffs, at most 4 a second', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 100 });
    await using admin = await connectAdmin(srv, { project: 'Ops' });
    await using early = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Plant' }));
    expect(typeof watch.subscription).toBe('string');
    expect(watch.sessions.map((s: { id: string }) => s.id)).toEqual([early.sessionId]);

    const changes: any[] = [];
    const collect = async (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) {
        try {
          const m = await admin.nextMessage((d) => d?.method === 'sessions.changed', end - Date.now());
          changes.push({ at: m.at, ...m.data.params });
        } catch {
          break;
        }
      }
    };

    const late = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    await RawClient.connect(srv.wsUrl, { project: 'Elsewhere' }).then((c) => c.close());
    for (let i = 0; i < 20; i++) late.notify('page.open', { pageId: `p${i}`, path: `/p/${i}` });
    await collect(700);
    const added = changes.flatMap((c) => c.added);
    expect(added.map((s: { id: string }) => s.id)).toContain(late.sessionId);
    expect(added.every((s: { project: string }) => s.project === 'Plant')).toBe(true);
    // Twenty page announcements coalesce: far fewer notifications than changes.
    expect(changes.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < changes.length; i++) expect(changes[i].at - changes[i - 1].at).toBeGreaterThanOrEqual(240);
    const lastView = [...changes.flatMap((c) => [...c.added, ...c.updated])].reverse().find((s) => s.id === late.sessionId);
    expect(lastView.activePages).toBe(20);
    expect(changes.every((c) => c.subscription === watch.subscription)).toBe(true);

    changes.length = 0;
    await late.close();
    await collect(800); // disconnected (updated), then ended after 100 ms (removed)
    expect(
      changes.flatMap((c) => c.updated).some((s: { id: string; state: string }) => s.id === late.sessionId && s.state === 'disconnected'),
    ).toBe(true);
    expect(changes.flatMap((c) => c.removed)).toContain(late.sessionId);

    expectResult(await admin.call('sessions.unwatch', { subscription: watch.subscription }));
    changes.length = 0;
    await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    await collect(500);
    expect(changes).toEqual([]);
    expectError(await admin.call('sessions.unwatch', { subscription: watch.subscription }), -32004);
  });

  it('reports counter changes (bytes sent) as updates', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    await using talker = await RawClient.connect(srv.wsUrl, { project: 'Talk' });
    const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Talk' }));
    const before = watch.sessions[0].totalBytesSent as number;
    talker.notify('page.open', { pageId: 'x' });
    const m = await admin.nextMessage((d) => d?.method === 'sessions.changed' && d.params.updated.length > 0, 3_000);
    expect(m.data.params.updated[0].totalBytesSent).toBeGreaterThan(before);
  });
});

describe('sessions.close', () => {
  it('tells every socket, closes them with 4000, ends the session at once, and the token no longer resumes', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const tab1 = await RawClient.connect(srv.wsUrl, { project: 'P' });
    const tab2 = await RawClient.connect(srv.wsUrl, { project: 'P', resume: tab1.welcome.resumeToken });
    expect(tab2.sessionId).toBe(tab1.sessionId);
    const result = expectResult(await admin.call('sessions.close', { sessionId: tab1.sessionId, message: 'maintenance' }));
    expect(result).toEqual({ sessionId: tab1.sessionId });
    for (const tab of [tab1, tab2]) {
      const note = await tab.nextMessage((d) => d?.method === 'session.closing');
      expect(note.data.params).toEqual({ message: 'maintenance' });
      expect((await tab.closed).code).toBe(4000);
    }
    expect((await listSessions(admin)).map((s) => s.id)).not.toContain(tab1.sessionId);
    await using again = await RawClient.connect(srv.wsUrl, { project: 'P', resume: tab1.welcome.resumeToken });
    expect(again.welcome.resumed).toBe(false);
    expect(again.sessionId).not.toBe(tab1.sessionId);
    expectError(await admin.call('sessions.close', { sessionId: tab1.sessionId }), -32004);
  });

  it('lets an admin close its own session and still get the answer', async () => {
    await using srv = await startTestServer();
    const admin = await connectAdmin(srv);
    const res = await admin.call('sessions.close', { sessionId: admin.sessionId });
    expect(res.result).toEqual({ sessionId: admin.sessionId });
    expect((await admin.closed).code).toBe(4000);
  });
});

describe('pages.close and session.sendMessage', () => {
  it('sends page.closing to the socket that owns the page only, and the page leaves the list', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    await using tab1 = await RawClient.connect(srv.wsUrl);
    await using tab2 = await RawClient.connect(srv.wsUrl, { resume: tab1.welcome.resumeToken });
    await tab1.call('page.open', { pageId: 'one' });
    await tab2.call('page.open', { pageId: 'two' });
    expect(expectResult(await admin.call('pages.close', { sessionId: tab1.sessionId, pageId: 'two', message: 'bye' }))).toEqual({
      sessionId: tab1.sessionId,
      pageId: 'two',
    });
    const note = await tab2.nextMessage((d) => d?.method === 'page.closing');
    expect(note.data.params).toEqual({ pageId: 'two', message: 'bye' });
    await sleep(100);
    expect(tab1.unconsumed().some((m) => m.data?.method === 'page.closing')).toBe(false);
    const info = (await listSessions(admin)).find((s) => s.id === tab1.sessionId);
    expect(info.pageIds).toEqual(['one']);
    expectError(await admin.call('pages.close', { sessionId: tab1.sessionId, pageId: 'two' }), -32004);
    expectError(await admin.call('pages.close', { sessionId: 'nope', pageId: 'one' }), -32004);
  });

  it('delivers session.message to every socket, or to the page owner only, and counts deliveries', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    await using tab1 = await RawClient.connect(srv.wsUrl);
    await using tab2 = await RawClient.connect(srv.wsUrl, { resume: tab1.welcome.resumeToken });
    await tab2.call('page.open', { pageId: 'two' });
    const all = expectResult(
      await admin.call('session.sendMessage', { sessionId: tab1.sessionId, type: 'notice', payload: { text: 'hi' } }),
    );
    expect(all).toEqual({ delivered: 2 });
    for (const tab of [tab1, tab2]) {
      const m = await tab.nextMessage((d) => d?.method === 'session.message');
      expect(m.data.params).toEqual({ type: 'notice', payload: { text: 'hi' } });
    }
    const one = expectResult(await admin.call('session.sendMessage', { sessionId: tab1.sessionId, type: 'reload', pageId: 'two' }));
    expect(one).toEqual({ delivered: 1 });
    const m = await tab2.nextMessage((d) => d?.method === 'session.message');
    expect(m.data.params).toEqual({ type: 'reload', payload: null, pageId: 'two' });
    await sleep(100);
    expect(tab1.unconsumed().some((x) => x.data?.method === 'session.message')).toBe(false);
    expectError(await admin.call('session.sendMessage', { sessionId: tab1.sessionId, type: 'x', pageId: 'nope' }), -32004);
    expectError(await admin.call('session.sendMessage', { sessionId: tab1.sessionId }), -32602);
  });
});

describe('the live feed after the admin login goes', () => {
  it('stops at logout, and at a login that is not an admin', async () => {
    await using srv = await startTestServer();
    for (const leave of ['logout', 'non-admin login'] as const) {
      await using admin = await connectAdmin(srv);
      expectResult(await admin.call('sessions.watch', {}));
      if (leave === 'logout') expectResult(await admin.call('auth.logout'));
      else expectResult(await admin.call('auth.login', { token: await userToken('plain') }));
      await using newcomer = await RawClient.connect(srv.wsUrl);
      await sleep(600);
      expect(admin.unconsumed().filter((m) => m.data?.method === 'sessions.changed')).toEqual([]);
      void newcomer;
    }
  });
});
