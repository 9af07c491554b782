import { describe, expect, it } from 'vitest';
import { isClusterSessionInfo } from '@session-tracker/shared';
import { list, threeNodes, until, untilStored } from '../support/cluster.js';
import { connectAdmin } from '../support/contract.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { RawClient, sleep } from '../support/ws-client.js';

/**
 * sessions.list across three node processes on Redis: each node answers its own first parts,
 * the asking node merges them. Pages walk the whole cluster; a session with tabs on two nodes
 * shows once, merged as getSessionInfo merges it.
 */
type Info = Record<string, any> & { id: string };
interface ListResult {
  sessions: Info[];
  total: number;
  next: string | null;
  cluster: { node: string; nodes: string[]; unconfirmed: string[]; degraded: boolean };
}

async function page(admin: RawClient, params: Record<string, unknown>): Promise<ListResult> {
  const r = await admin.call<ListResult>('sessions.list', params, 5_000);
  expect(r.error, JSON.stringify(r.error)).toBeUndefined();
  return r.result as ListResult;
}

async function walk(
  admin: RawClient,
  params: Record<string, unknown>,
  between: () => Promise<void> = async () => undefined,
): Promise<ListResult[]> {
  const pages: ListResult[] = [];
  let cursor: string | null = null;
  do {
    const p: ListResult = await page(admin, { ...params, ...(cursor ? { cursor } : {}) });
    pages.push(p);
    cursor = p.next;
    if (cursor) await between();
  } while (cursor && pages.length < 50);
  return pages;
}

const byCode = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

describe.skipIf(!hasRedis())('sessions.list in cluster mode (three nodes)', () => {
  it('pages through every node in order, merges a session held by two nodes, counts it once', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    const clients: RawClient[] = [];
    for (const [node, n] of [
      [a, 4],
      [b, 5],
      [c, 3],
    ] as const) {
      for (let i = 0; i < n; i++) {
        clients.push(await RawClient.connect(node.wsUrl, { project: `P${i % 3}` }));
        await sleep(2);
      }
    }
    await clients[4]!.result('page.open', { pageId: 'b1', path: '/b' });
    // A second tab of a session on node-b, on node-c: one session with parts on two nodes.
    const tab = await RawClient.connect(c.wsUrl, { resume: clients[4]!.welcome.resumeToken, project: 'P0' });
    expect(tab.welcome.resumed).toBe(true);
    await tab.result('page.open', { pageId: 'c1', path: '/c' });
    await using admin = await connectAdmin(a, { project: 'Ops' });
    const full = await until(
      'every session, the shared one merged',
      async () => {
        const l = await list(admin);
        const shared = l.find((s) => s.id === clients[4]!.welcome.sessionId);
        return l.length === 13 && shared?.nodes.length === 2 && shared.pageIds.length === 2 ? l : undefined;
      },
      15_000,
    );
    const everyId = full.map((s) => s.id as string).sort(byCode);

    // Under load a node may miss a beat and count as unconfirmed for a moment: wait for all three.
    const first = await until('a list every node answered', async () => {
      const p = await page(admin, {});
      return p.cluster.nodes.length === 3 ? p : undefined;
    });
    expect(first.total).toBe(13);
    // Who answered, as getSessionStats says it.
    expect(first.cluster).toMatchObject({ node: 'node-a', unconfirmed: [], degraded: false });
    expect([...first.cluster.nodes].sort()).toEqual(['node-a', 'node-b', 'node-c']);
    expect(first.next).toBeNull();
    expect(first.sessions.map((s) => s.id)).toEqual(everyId);
    const shared = first.sessions.find((s) => s.id === clients[4]!.welcome.sessionId)!;
    expect([...shared.nodes].sort()).toEqual(['node-b', 'node-c']);
    expect([...shared.pageIds].sort()).toEqual(['b1', 'c1']);
    // What getSessionInfo gives, but for the clocks, the counters the admin's calls move, and
    // the order of a merged session's pages and nodes (the order its parts' answers came in).
    const byId = (a: { id: string }, b: { id: string }) => byCode(a.id, b.id);
    const strip = ({
      uptime,
      lastComm,
      totalBytesSent,
      recentBytesSent,
      messagesSent,
      totalBytesReceived,
      traffic,
      pages,
      pageIds,
      nodes,
      ...rest
    }: Info) => ({
      ...rest,
      pages: [...pages].sort(byId),
      pageIds: [...pageIds].sort(),
      nodes: [...nodes].sort(),
    });
    for (const s of first.sessions) expect(strip(s)).toEqual(strip(full.find((g) => g.id === s.id)!));

    for (const sort of ['id', '-id', 'creationTime', '-creationTime', 'project', '-clientAddress', 'username', '-activePages']) {
      const pages = await walk(admin, { sort, limit: 4 });
      const ids = pages.flatMap((p) => p.sessions.map((s) => s.id));
      expect(ids.length, sort).toBe(13);
      expect([...ids].sort(byCode), sort).toEqual(everyId);
      expect(
        pages.every((p) => p.total === 13),
        sort,
      ).toBe(true);
      expect(
        pages.map((p) => p.sessions.length),
        sort,
      ).toEqual([4, 4, 4, 1]);
    }
    const created = (await page(admin, { sort: 'creationTime', fields: ['creationTime'] })).sessions;
    expect(created.map((s) => s.creationTime)).toEqual([...created.map((s) => s.creationTime as string)].sort());
    // Cluster fields come with any fields asked for.
    expect(Object.keys(created[0]!)).toEqual(['id', 'creationTime', 'node', 'nodes', 'confirmed']);

    const all = (await page(admin, { sort: '-creationTime' })).sessions.map((s) => s.id);
    const window = await page(admin, { sort: '-creationTime', offset: 5, limit: 3 });
    expect(window.sessions.map((s) => s.id)).toEqual(all.slice(5, 8));
    expect((await page(admin, { sort: '-creationTime', cursor: window.next })).sessions.map((s) => s.id)).toEqual(all.slice(8));
    expect((await page(admin, { projectFilter: 'P1' })).total).toBe(full.filter((s) => s.project === 'P1').length);

    // Sessions come and go on every node between pages: the ones there throughout show once each.
    const stay = clients.filter((_, i) => i % 2 === 0);
    const going = clients.filter((_, i) => i % 2 === 1 && i !== 4);
    const nodes = [a, b, c];
    const added: RawClient[] = [];
    let n = 0;
    const seen = (
      await walk(admin, { sort: 'creationTime', limit: 3 }, async () => {
        const g = going.pop();
        if (g) await admin.result('sessions.close', { sessionId: g.welcome.sessionId });
        added.push(await RawClient.connect(nodes[n++ % 3]!.wsUrl));
      })
    ).flatMap((p) => p.sessions.map((s) => s.id));
    expect(new Set(seen).size).toBe(seen.length);
    for (const s of stay) expect(seen).toContain(s.welcome.sessionId);

    for (const x of [...clients, ...added, tab]) x.terminate();
  });
  it('state (an addition): each node selects its own sessions by it; total counts a session once', async () => {
    await using redis = await RedisServer.start();
    // Sessions without a socket stay for the whole test (FAST ends them after 2 s).
    const [a, b, c] = await threeNodes(redis, ['--session-timeout', '60000']);
    await using _a = a,
      _b = b,
      _c = c;
    const on = new Map<string, RawClient[]>();
    for (const node of [a, b, c]) on.set(node.wsUrl, await Promise.all([0, 1, 2].map(() => RawClient.connect(node.wsUrl))));
    const clients = [...on.values()].flat();
    // One leaves on each node: disconnected, still listed.
    const gone = [...on.values()].map((cs) => cs[0]!);
    for (const g of gone) await g.close();
    // A session of node-b with a second tab on node-c: one session, counted once.
    const split = on.get(b.wsUrl)![1]!;
    // c finds the session once b has written it (within a flush of its start).
    await untilStored(redis.url, split.sessionId, 'node-b', () => true);
    const tab = await RawClient.connect(c.wsUrl, { resume: split.welcome.resumeToken });
    expect(tab.welcome.resumed).toBe(true);
    await using admin = await connectAdmin(a, { project: 'Ops' });
    const ids = (cs: readonly RawClient[]) => cs.map((x) => x.sessionId).sort(byCode);
    const connected = ids([admin, ...clients.filter((x) => !gone.includes(x))]);
    const disconnected = ids(gone);
    const settled = (state: string, want: readonly string[]) =>
      until(`${state}: every node answered, ${want.length} sessions`, async () => {
        const p = await page(admin, { state });
        return p.cluster.nodes.length === 3 && p.total === want.length ? p : undefined;
      });
    for (const [state, want] of [
      ['connected', connected],
      ['disconnected', disconnected],
    ] as const) {
      const all = await settled(state, want);
      expect(all.sessions.map((s) => s.id).sort(byCode), state).toEqual(want);
      for (const s of all.sessions) {
        expect(s.state).toBe(state);
        expect(isClusterSessionInfo(s), JSON.stringify(s)).toBe(true);
      }
      // The index (creationTime) and the heap (username: a live field, but nobody logs in here).
      for (const sort of ['creationTime', '-username']) {
        const pages = await walk(admin, { state, sort, limit: 2 });
        expect(pages.flatMap((p) => p.sessions.map((s) => s.id)).sort(byCode), `${state} ${sort}`).toEqual(want);
        expect(pages.every((p) => p.total === want.length)).toBe(true);
      }
    }
    const counted = await page(admin, { state: 'connected', limit: 1, fields: ['id'] });
    expect(counted.total).toBe(connected.length);
    expect(Object.keys(counted.sessions[0]!)).toEqual(['id', 'node', 'nodes', 'confirmed']);
    // The tab on node-c leaves: the session is still connected (on node-b), and counted once.
    await tab.close();
    expect((await settled('connected', connected)).sessions.find((s) => s.id === split.sessionId)?.state).toBe('connected');
    for (const x of clients) x.terminate();
  });
});
