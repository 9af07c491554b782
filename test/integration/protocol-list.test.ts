/**
 * Contract 1.1 "pages of sessions, and history": sessions.list over a real socket. Fields,
 * sort, limit, cursor, total, filters, the offset addition, and every refusal naming its cause.
 */
import { describe, expect, it } from 'vitest';
import { connectAdmin, listSessions } from '../support/contract.js';
import { userToken } from '../support/jwt.js';
import { startTestServer } from '../support/server.js';
import { RawClient, sleep, waitFor } from '../support/ws-client.js';

type Info = Record<string, unknown> & { id: string };
interface ListResult {
  sessions: Info[];
  total: number;
  next: string | null;
}

async function list(admin: RawClient, params: Record<string, unknown> = {}): Promise<ListResult> {
  const r = await admin.call<ListResult>('sessions.list', params);
  expect(r.error, JSON.stringify(r.error)).toBeUndefined();
  return r.result as ListResult;
}

async function errorOf(admin: RawClient, params: unknown): Promise<{ code: number; message: string }> {
  const r = await admin.call('sessions.list', params);
  expect(r.result).toBeUndefined();
  return r.error as { code: number; message: string };
}

/** Every page of a walk by cursor. */
async function walk(admin: RawClient, params: Record<string, unknown>): Promise<ListResult[]> {
  const pages: ListResult[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await list(admin, { ...params, ...(cursor ? { cursor } : {}) });
    pages.push(page);
    cursor = page.next;
  } while (cursor && pages.length < 100);
  return pages;
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe('sessions.list', () => {
  it('needs an admin (-32003)', async () => {
    await using srv = await startTestServer();
    await using c = await RawClient.connect(srv.wsUrl);
    expect((await c.call('sessions.list', {})).error?.code).toBe(-32003);
    await c.result('auth.login', { token: await userToken('billy', ['operator']) });
    expect((await c.call('sessions.list')).error?.code).toBe(-32003);
  });

  it('gives every session as getSessionInfo does, sorted by id, with total and next null', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const clients = await Promise.all(
      Array.from({ length: 6 }, (_, i) => RawClient.connect(srv.wsUrl, { project: `P${i % 2}`, userAgent: `agent ${i}` })),
    );
    await clients[0]!.result('auth.login', { token: await userToken('billy', ['operator']) });
    await clients[1]!.result('page.open', { pageId: 'p1', path: '/a', title: 'A' });
    await clients[2]!.call('app.nothing', {});
    const full = await listSessions(admin);
    const page = await list(admin);
    expect(page.total).toBe(7);
    expect(page.next).toBeNull();
    expect(page.sessions.map((s) => s.id)).toEqual(full.map((s) => s.id as string).sort(byCode));
    // The same renderer: identical but for the clocks (and the admin's own counters, which its calls move).
    const clientIds = new Set(clients.map((c) => c.welcome.sessionId));
    for (const s of page.sessions) {
      const g = full.find((x) => x.id === s.id);
      expect(Object.keys(s)).toEqual(Object.keys(g));
      if (!clientIds.has(s.id)) continue;
      const { uptime: u1, lastComm: l1, ...rest } = s;
      const { uptime: u2, lastComm: l2, ...restG } = g;
      expect(rest).toEqual(restG);
      expect(Math.abs((u1 as number) - u2)).toBeLessThan(1_000);
      expect(Math.abs((l1 as number) - l2)).toBeLessThan(1_000);
    }
    for (const c of clients) await c.close();
  });

  it('returns the fields asked for, id always, and names an unknown field', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    await using c = await RawClient.connect(srv.wsUrl, { project: 'Fields' });
    await c.result('page.open', { pageId: 'p', path: '/x', title: 'X' });
    const page = await list(admin, { fields: ['pages', 'username', 'project'], projectFilter: 'Fields' });
    expect(page.sessions).toHaveLength(1);
    const s = page.sessions[0]!;
    // In the renderer's (wire) order, whatever order they were asked in.
    expect(Object.keys(s)).toEqual(['id', 'username', 'project', 'pages']);
    expect(s).toMatchObject({
      id: c.welcome.sessionId,
      username: 'Unauthenticated',
      project: 'Fields',
      pages: [{ id: 'p', path: '/x', title: 'X' }],
    });
    expect(Object.keys((await list(admin, { fields: [], projectFilter: 'Fields' })).sessions[0]!)).toEqual(['id']);
    expect(Object.keys((await list(admin, { fields: ['id'], projectFilter: 'Fields' })).sessions[0]!)).toEqual(['id']);

    const e = await errorOf(admin, { fields: ['username', 'userName'] });
    expect(e.code).toBe(-32602);
    expect(e.message).toContain('"userName"');
    expect(e.message).toContain('fields');
    expect((await errorOf(admin, { fields: 'username' })).code).toBe(-32602);
  });

  it('sorts by any single-valued field, ascending or descending, ties broken by id', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv, { project: 'Admin' });
    const clients: RawClient[] = [];
    for (let i = 0; i < 5; i++) {
      clients.push(await RawClient.connect(srv.wsUrl, { project: `Sort${i % 2}` }));
      await sleep(3); // distinct creation times
    }
    for (let i = 0; i < 5; i++) await clients[i]!.result('page.open', { pageId: 'p', path: 'x'.repeat(i * 10) });
    const created = (await list(admin, { sort: 'creationTime', fields: ['creationTime'] })).sessions;
    const times = created.map((s) => Date.parse(s.creationTime as string));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    const desc = (await list(admin, { sort: '-creationTime' })).sessions.map((s) => s.id);
    expect(desc).toEqual(created.map((s) => s.id).reverse());
    expect((await list(admin, { sort: 'uptime' })).sessions.map((s) => s.id)).toEqual(desc);
    expect((await list(admin, { sort: '-id' })).sessions.map((s) => s.id)).toEqual((await list(admin)).sessions.map((s) => s.id).reverse());

    // Ties (same project) by id, in the sort's direction.
    const byProject = (await list(admin, { sort: 'project', fields: ['project'] })).sessions;
    const expected = [...byProject].sort((a, b) => byCode(a.project as string, b.project as string) || byCode(a.id, b.id));
    expect(byProject).toEqual(expected);
    expect((await list(admin, { sort: '-project', fields: ['project'] })).sessions).toEqual([...expected].reverse());

    const bytes = (await list(admin, { sort: '-totalBytesSent', projectFilter: 'Sort.*', fields: ['totalBytesSent'] })).sessions;
    expect(bytes.map((s) => s.id)).toEqual(clients.map((c) => c.welcome.sessionId).reverse());

    for (const sort of ['pages', 'pageIds', 'device', 'roles', 'traffic', 'nope', '--id', '']) {
      const e = await errorOf(admin, { sort });
      expect(e.code, sort).toBe(-32602);
      expect(e.message, sort).toContain('sort');
    }
    expect((await errorOf(admin, { sort: 'device' })).message).toContain('"device" is not a field that can be sorted by');
    for (const c of clients) await c.close();
  });

  it('pages with limit and cursor: every session once, total on every page, next null at the end', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const clients = await Promise.all(Array.from({ length: 12 }, () => RawClient.connect(srv.wsUrl, { project: 'Paging' })));
    for (const sort of ['id', '-creationTime', 'project', '-clientAddress', 'username', '-totalBytesSent']) {
      const pages = await walk(admin, { sort, limit: 5 });
      expect(
        pages.map((p) => p.sessions.length),
        sort,
      ).toEqual([5, 5, 3]);
      expect(pages.every((p) => p.total === 13)).toBe(true);
      expect(pages.at(-1)!.next).toBeNull();
      const ids = pages.flatMap((p) => p.sessions.map((s) => s.id));
      expect(new Set(ids).size, sort).toBe(13);
      const one = (await list(admin, { sort })).sessions.map((s) => s.id);
      if (!sort.endsWith('BytesSent')) expect(ids, sort).toEqual(one); // the admin's own bytes move as it asks
    }
    // Exactly a page's worth: the last full page still says whether more follows.
    const exact = await walk(admin, { limit: 13 });
    expect(exact).toHaveLength(1);
    expect(exact[0]!.next).toBeNull();
    expect((await list(admin, { limit: 1 })).sessions).toHaveLength(1);
    for (const c of clients) await c.close();
  });

  it('keyset paging: sessions added and removed between pages neither repeat nor skip the others', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 10_000 });
    await using admin = await connectAdmin(srv, { project: 'Admin' });
    const stay = await Promise.all(Array.from({ length: 10 }, () => RawClient.connect(srv.wsUrl, { project: 'Walk' })));
    const going = await Promise.all(Array.from({ length: 6 }, () => RawClient.connect(srv.wsUrl, { project: 'Walk' })));
    const added: RawClient[] = [];
    for (const sort of ['id', '-id', 'creationTime', '-creationTime']) {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: ListResult = await list(admin, { sort, limit: 3, projectFilter: 'Walk', ...(cursor ? { cursor } : {}) });
        seen.push(...page.sessions.map((s) => s.id));
        cursor = page.next;
        // Between pages: one session ends (closed by an admin), one starts.
        const g = going.pop();
        if (g) await admin.result('sessions.close', { sessionId: g.welcome.sessionId });
        added.push(await RawClient.connect(srv.wsUrl, { project: 'Walk' }));
      } while (cursor);
      expect(new Set(seen).size, sort).toBe(seen.length);
      for (const c of stay) expect(seen, sort).toContain(c.welcome.sessionId);
    }
    for (const c of [...stay, ...added]) await c.close();
  });

  it('filters as getSessionInfo does, and total counts every match', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv, { project: 'Admin' });
    const clients = await Promise.all(
      Array.from({ length: 6 }, (_, i) => RawClient.connect(srv.wsUrl, { project: i < 4 ? 'Plant' : 'Office' })),
    );
    await clients[0]!.result('auth.login', { token: await userToken('billy', []) });
    await clients[1]!.result('auth.login', { token: await userToken('billy2', []) });
    for (const [usernameFilter, projectFilter] of [
      ['bi.*', null],
      ['billy', ''],
      [null, 'Plant'],
      ['Unauth.*', 'Plant|Office'],
      ['nobody', null],
    ] as const) {
      const expected = (await listSessions(admin, { usernameFilter, projectFilter })).map((s) => s.id as string).sort(byCode);
      const page = await list(admin, { usernameFilter, projectFilter, limit: 2 });
      expect(page.total).toBe(expected.length);
      const all = await walk(admin, { usernameFilter, projectFilter, limit: 2 });
      expect(all.flatMap((p) => p.sessions.map((s) => s.id))).toEqual(expected);
    }
    const bad = await errorOf(admin, { usernameFilter: '(?<=a)b' });
    expect(bad.code).toBe(-32602);
    expect(bad.message).toContain('usernameFilter');
    const big = await errorOf(admin, { projectFilter: '\\pL{0,999}'.repeat(90) });
    expect(big.code).toBe(-32602);
    expect(big.message).toContain('projectFilter: pattern too large');
    for (const c of clients) await c.close();
  });

  it('refuses bad cursors, limits and names, each naming what was wrong', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const clients = await Promise.all(Array.from({ length: 3 }, () => RawClient.connect(srv.wsUrl)));
    const first = await list(admin, { limit: 2, sort: 'project' });
    expect(first.next).toEqual(expect.any(String));

    const foreign = await errorOf(admin, { limit: 2, sort: 'id', cursor: first.next });
    expect(foreign).toMatchObject({ code: -32602 });
    expect(foreign.message).toContain('cursor: made for sort "project", but this call sorts by "id"');
    for (const cursor of [
      'garbage!',
      'bm90IGpzb24',
      Buffer.from('["sl1","project",5,"x"]').toString('base64url'),
      Buffer.from('{"a":1}').toString('base64url'),
    ]) {
      const e = await errorOf(admin, { sort: 'project', cursor });
      expect(e.code, cursor).toBe(-32602);
      expect(e.message, cursor).toContain('cursor');
    }
    // A history cursor is not a list cursor.
    await admin.result('sessions.events', {});
    const history = await admin.result('sessions.events', { limit: 1 });
    if (history.next)
      expect((await errorOf(admin, { cursor: history.next })).message).toContain('cursor: not a cursor sessions.list returned');

    const both = await errorOf(admin, { cursor: first.next, offset: 2, sort: 'project' });
    expect(both.code).toBe(-32602);
    expect(both.message).toContain('offset and cursor cannot be combined');

    for (const params of [
      { limit: 0 },
      { limit: 10_001 },
      { limit: 1.5 },
      { offset: -1 },
      { offset: 100_001 },
      { cursor: '' },
      { sort: 5 },
    ]) {
      const e = await errorOf(admin, params);
      expect(e.code, JSON.stringify(params)).toBe(-32602);
      expect(e.message, JSON.stringify(params)).toContain(Object.keys(params)[0]!);
    }
    const misspelt = await errorOf(admin, { userFilter: 'x' });
    expect(misspelt.code).toBe(-32602);
    expect(misspelt.message).toContain('userFilter');
    expect((await errorOf(admin, ['x'])).code).toBe(-32602);
    // A null cursor is the first page.
    expect((await list(admin, { cursor: null })).total).toBe(4);
    // A cursor after the longest user agent a client can send still goes back in.
    await using long = await RawClient.connect(srv.wsUrl, { userAgent: `Agent/${'é'.repeat(7_000)}` });
    await using longer = await RawClient.connect(srv.wsUrl, { userAgent: `Agent/${'é'.repeat(7_001)}` });
    const byAgent = await list(admin, { sort: '-userAgent', limit: 1 });
    expect(byAgent.sessions[0]!.id).toBe(longer.sessionId);
    expect((await list(admin, { sort: '-userAgent', limit: 1, cursor: byAgent.next })).sessions[0]!.id).toBe(long.sessionId);
    await long.close();
    await longer.close();
    for (const c of clients) await c.close();
  });

  it('offset (an addition): skips matches for a windowed view, then pages on by cursor', async () => {
    await using srv = await startTestServer();
    await using admin = await connectAdmin(srv);
    const clients = await Promise.all(Array.from({ length: 9 }, () => RawClient.connect(srv.wsUrl)));
    for (const sort of ['id', '-creationTime', 'username']) {
      const all = (await list(admin, { sort })).sessions.map((s) => s.id);
      const window = await list(admin, { sort, offset: 3, limit: 4 });
      expect(
        window.sessions.map((s) => s.id),
        sort,
      ).toEqual(all.slice(3, 7));
      expect(window.total).toBe(10);
      const rest = await list(admin, { sort, cursor: window.next });
      expect(
        rest.sessions.map((s) => s.id),
        sort,
      ).toEqual(all.slice(7));
      const past = await list(admin, { sort, offset: 50 });
      expect(past).toEqual({ sessions: [], total: 10, next: null });
    }
    for (const c of clients) await c.close();
  });
  it('state (an addition): only the connected or the disconnected sessions, total counting them', async () => {
    await using srv = await startTestServer({ sessionTimeoutMs: 30_000 });
    await using admin = await connectAdmin(srv, { project: 'Admin' });
    const clients = await Promise.all(
      Array.from({ length: 7 }, (_, i) => RawClient.connect(srv.wsUrl, { project: i % 2 === 0 ? 'Plant' : 'Office' })),
    );
    // Three leave: their sessions stay listed, disconnected, until the session timeout.
    const gone = clients.slice(0, 3);
    const here = clients.slice(3);
    for (const c of gone) await c.close();
    await waitFor(
      async () => ((await list(admin, { state: 'disconnected' })).total === 3 ? true : undefined),
      5_000,
      20,
      'three disconnected',
    );
    const ids = (cs: readonly RawClient[]) => cs.map((c) => c.sessionId).sort(byCode);
    const connected = ids([admin, ...here]);
    const disconnected = ids(gone);
    // The sorted index (id, creationTime) and the heap (activePages, username) both filter; the
    // sorts are by values nobody moves here, so a walk and a window see one order.
    for (const sort of ['id', '-creationTime', 'activePages', '-username']) {
      for (const [state, want] of [
        ['connected', connected],
        ['disconnected', disconnected],
      ] as const) {
        const all = await list(admin, { state, sort });
        expect(all.total, `${state} ${sort}`).toBe(want.length);
        expect(all.sessions.map((s) => s.id).sort(byCode), `${state} ${sort}`).toEqual(want);
        for (const s of all.sessions) expect(s.state).toBe(state);
        // Paged by cursor: each once; a window by offset: the same order.
        const walked = (await walk(admin, { state, sort, limit: 2 })).flatMap((p) => p.sessions.map((s) => s.id));
        expect(walked).toEqual(all.sessions.map((s) => s.id));
        const window = await list(admin, { state, sort, offset: 1, limit: 1 });
        expect(window.sessions.map((s) => s.id)).toEqual(all.sessions.slice(1, 2).map((s) => s.id));
        expect(window.total).toBe(want.length);
      }
    }
    // With the other filters: Plant is clients 0, 2, 4, 6 (0 and 2 gone).
    expect((await list(admin, { state: 'disconnected', projectFilter: 'Plant' })).total).toBe(2);
    expect((await list(admin, { state: 'connected', projectFilter: 'Plant' })).total).toBe(2);
    // The count alone, exact whatever the number of sessions: one id and the total.
    expect(await list(admin, { state: 'connected', limit: 1, fields: ['id'] })).toEqual({
      sessions: [{ id: connected[0] }],
      total: connected.length,
      next: expect.any(String),
    });
    // Back: a resumed session is connected again.
    await using back = await RawClient.connect(srv.wsUrl, { project: 'Plant', resume: gone[0]!.welcome.resumeToken });
    expect(back.sessionId).toBe(gone[0]!.sessionId);
    expect((await list(admin, { state: 'connected' })).total).toBe(connected.length + 1);
    expect((await list(admin, { state: 'disconnected' })).total).toBe(2);
    for (const bad of ['Connected', 'idle', '', 1, null, ['connected']]) {
      const e = await errorOf(admin, { state: bad });
      expect(e.code, JSON.stringify(bad)).toBe(-32602);
      expect(e.message, JSON.stringify(bad)).toContain('state');
    }
    for (const c of here) await c.close();
  });
});
