/** Contract: page.open / page.update / page.close, and pages' lifecycle. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';
import { RawClient, waitFor } from '../support/ws-client.js';
import { ISO_RE, connectAdmin, expectError, expectResult, sessionById } from '../support/contract.js';

type Server = Awaited<ReturnType<typeof startTestServer>>;
let srv: Server;

beforeAll(async () => {
  srv = await startTestServer({ sessionTimeoutMs: 60_000 });
});
afterAll(async () => {
  await srv?.close();
});

const self = async (c: RawClient) => expectResult(await c.call('session.self'));

describe('page.open', () => {
  it('assigns a pageId when none is given, and returns the given one otherwise', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const a = expectResult(await c.call('page.open', {}));
    expect(typeof a.pageId).toBe('string');
    expect(a.pageId.length).toBeGreaterThan(0);
    const b = expectResult(await c.call('page.open', { path: '/b', title: 'B' }));
    expect(typeof b.pageId).toBe('string');
    expect(b.pageId).not.toBe(a.pageId);
    const given = expectResult(await c.call('page.open', { pageId: 'tab-1', path: '/home', title: 'Home' }));
    expect(given.pageId).toBe('tab-1');
    const info = await self(c);
    expect(info.pageIds).toEqual(expect.arrayContaining([a.pageId, b.pageId, 'tab-1']));
    expect(info.pageIds).toHaveLength(3);
    expect(info.activePages).toBe(3);
    await c.close();
  });

  it('opens with no params member at all', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const r = expectResult(await c.call('page.open'));
    expect(typeof r.pageId).toBe('string');
    expect((await self(c)).pageIds).toEqual([r.pageId]);
    await c.close();
  });

  it('records path, title and openedAt in pages[]', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    const before = Date.now();
    expectResult(await c.call('page.open', { pageId: 'p1', path: '/plant/line-1', title: 'Line 1' }));
    const info = await self(c);
    const page = info.pages.find((p: any) => p.id === 'p1');
    expect(page).toBeDefined();
    expect(page.path).toBe('/plant/line-1');
    expect(page.title).toBe('Line 1');
    expect(page.openedAt).toMatch(ISO_RE);
    expect(Date.parse(page.openedAt)).toBeGreaterThanOrEqual(before - 2_000);
    expect(Date.parse(page.openedAt)).toBeLessThanOrEqual(Date.now() + 2_000);
    await c.close();
  });

  it('reopening a pageId that is open updates it (no duplicate)', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('page.open', { pageId: 'dup', path: '/one', title: 'One' }));
    const again = expectResult(await c.call('page.open', { pageId: 'dup', path: '/two', title: 'Two' }));
    expect(again.pageId).toBe('dup');
    const info = await self(c);
    expect(info.pageIds).toEqual(['dup']);
    expect(info.activePages).toBe(1);
    expect(info.pages).toHaveLength(1);
    expect(info.pages[0]).toMatchObject({ id: 'dup', path: '/two', title: 'Two' });
    await c.close();
  });

  it('reopening from another socket of the same session updates the same page', async () => {
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl, { resume: a.welcome.resumeToken });
    expect(b.sessionId).toBe(a.sessionId);
    expectResult(await a.call('page.open', { pageId: 'shared', path: '/from-a', title: 'A' }));
    expect(expectResult(await b.call('page.open', { pageId: 'shared', path: '/from-b', title: 'B' })).pageId).toBe('shared');
    const info = await self(a);
    expect(info.pageIds).toEqual(['shared']);
    expect(info.activePages).toBe(1);
    expect(info.pages[0]).toMatchObject({ id: 'shared', path: '/from-b', title: 'B' });
    await a.close();
    await b.close();
  });
});

describe('page IDs belong to a session', () => {
  it('two sessions may each open the same pageId, independently', async () => {
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl);
    expectResult(await a.call('page.open', { pageId: 'home', title: 'A home' }));
    expectResult(await b.call('page.open', { pageId: 'home', title: 'B home' }));
    expect((await self(a)).pages[0]).toMatchObject({ id: 'home', title: 'A home' });
    expect((await self(b)).pages[0]).toMatchObject({ id: 'home', title: 'B home' });
    expectResult(await a.call('page.close', { pageId: 'home' }));
    expect((await self(a)).pageIds).toEqual([]);
    expect((await self(b)).pageIds).toEqual(['home']);
    await a.close();
    await b.close();
  });
});

describe('page.update', () => {
  it('updates path and title of an open page and returns its pageId', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('page.open', { pageId: 'u1', path: '/a', title: 'A' }));
    const r = expectResult(await c.call('page.update', { pageId: 'u1', path: '/b' }));
    expect(r.pageId).toBe('u1');
    let page = (await self(c)).pages.find((p: any) => p.id === 'u1');
    expect(page.path).toBe('/b');
    expect(page.title).toBe('A');
    expectResult(await c.call('page.update', { pageId: 'u1', title: 'B' }));
    page = (await self(c)).pages.find((p: any) => p.id === 'u1');
    expect(page).toMatchObject({ id: 'u1', path: '/b', title: 'B' });
    await c.close();
  });

  it('an unknown page gets -32004', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectError(await c.call('page.update', { pageId: 'never-opened', path: '/x' }), -32004);
    expect((await self(c)).pageIds).toEqual([]);
    await c.close();
  });

  it('a closed page gets -32004', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('page.open', { pageId: 'gone' }));
    expectResult(await c.call('page.close', { pageId: 'gone' }));
    expectError(await c.call('page.update', { pageId: 'gone', title: 'x' }), -32004);
    await c.close();
  });

  it('another session cannot update a page it does not have (-32004)', async () => {
    const a = await RawClient.connect(srv.wsUrl);
    const b = await RawClient.connect(srv.wsUrl);
    expectResult(await a.call('page.open', { pageId: 'mine' }));
    expectError(await b.call('page.update', { pageId: 'mine', title: 'hijack' }), -32004);
    expectError(await b.call('page.close', { pageId: 'mine' }), -32004);
    expect((await self(a)).pageIds).toEqual(['mine']);
    await a.close();
    await b.close();
  });
});

describe('page.close', () => {
  it('closes an open page and returns its pageId', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('page.open', { pageId: 'c1' }));
    expectResult(await c.call('page.open', { pageId: 'c2' }));
    const r = expectResult(await c.call('page.close', { pageId: 'c1' }));
    expect(r.pageId).toBe('c1');
    const info = await self(c);
    expect(info.pageIds).toEqual(['c2']);
    expect(info.activePages).toBe(1);
    expect(info.pages.map((p: any) => p.id)).toEqual(['c2']);
    await c.close();
  });

  it('an unknown page gets -32004, and closing twice too', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectError(await c.call('page.close', { pageId: 'nope' }), -32004);
    expectResult(await c.call('page.open', { pageId: 'once' }));
    expectResult(await c.call('page.close', { pageId: 'once' }));
    expectError(await c.call('page.close', { pageId: 'once' }), -32004);
    await c.close();
  });
});

describe('invalid params: -32602', () => {
  it.each([
    ['page.open', { pageId: 42 }],
    ['page.open', { pageId: '' }],
    ['page.open', { path: 5 }],
    ['page.open', { title: { a: 1 } }],
    ['page.update', {}],
    ['page.update', { path: '/x' }],
    ['page.update', { pageId: null }],
    ['page.update', { pageId: 'x', title: 9 }],
    ['page.close', {}],
    ['page.close', { pageId: 3 }],
  ])('%s %j', async (method, params) => {
    const c = await RawClient.connect(srv.wsUrl);
    expectError(await c.call(method, params), -32602);
    expect(c.isOpen).toBe(true);
    expect((await self(c)).pageIds).toEqual([]);
    await c.close();
  });

  it('page.update and page.close without any params get -32602', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    expectError(await c.call('page.update'), -32602);
    expectError(await c.call('page.close'), -32602);
    await c.close();
  });
});

describe('pages and sockets', () => {
  it('activePages is always pageIds.length', async () => {
    const c = await RawClient.connect(srv.wsUrl);
    for (let i = 0; i < 5; i++) {
      expectResult(await c.call('page.open', { pageId: `n${i}` }));
      const info = await self(c);
      expect(info.activePages).toBe(info.pageIds.length);
      expect(info.activePages).toBe(i + 1);
    }
    expectResult(await c.call('page.close', { pageId: 'n2' }));
    const info = await self(c);
    expect(info.activePages).toBe(4);
    expect(info.activePages).toBe(info.pageIds.length);
    await c.close();
  });

  it("pages close with the socket that opened them; the session's other socket keeps its own", async () => {
    const admin = await connectAdmin(srv);
    const tabA = await RawClient.connect(srv.wsUrl);
    const tabB = await RawClient.connect(srv.wsUrl, { resume: tabA.welcome.resumeToken });
    expect(tabB.welcome.resumed).toBe(true);
    expect(tabB.sessionId).toBe(tabA.sessionId);
    expectResult(await tabA.call('page.open', { pageId: 'page-a', path: '/a' }));
    expectResult(await tabB.call('page.open', { pageId: 'page-b', path: '/b' }));
    const both = await self(tabA);
    expect([...both.pageIds].sort()).toEqual(['page-a', 'page-b']);
    expect(both.activePages).toBe(2);

    await tabB.close();
    const after = await waitFor(
      async () => {
        const info = await self(tabA);
        return info.pageIds.length === 1 ? info : undefined;
      },
      3_000,
      20,
      "tab B's page to close",
    );
    expect(after.pageIds).toEqual(['page-a']);
    expect(after.activePages).toBe(1);
    expect(after.pages.map((p: any) => p.id)).toEqual(['page-a']);

    // The admin view agrees.
    const seen = await sessionById(admin, tabA.sessionId);
    expect(seen.pageIds).toEqual(['page-a']);
    await tabA.close();
    await admin.close();
  });

  it('when the last socket closes, its pages close too (the session stays, disconnected)', async () => {
    const admin = await connectAdmin(srv);
    const c = await RawClient.connect(srv.wsUrl);
    expectResult(await c.call('page.open', { pageId: 'x1' }));
    expectResult(await c.call('page.open', { pageId: 'x2' }));
    await c.close();
    const info = await waitFor(
      async () => {
        const s = await sessionById(admin, c.sessionId);
        return s?.state === 'disconnected' ? s : undefined;
      },
      3_000,
      20,
      'the session to be disconnected',
    );
    expect(info.pageIds).toEqual([]);
    expect(info.activePages).toBe(0);
    expect(info.pages).toEqual([]);
    await admin.close();
  });
});
