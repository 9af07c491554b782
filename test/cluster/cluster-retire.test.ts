import { randomBytes, createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { until } from '../support/cluster.js';
import { connectAdmin, expectResult } from '../support/contract.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';

/**
 * The retire rules, deterministically, in one process: two real trackers (a, b) on a private
 * redis-server, and "ghost" nodes planted straight into Redis the way a node that died
 * leaves them (its records, its index, its last beat; no live key). A ghost's last beat
 * decides when the reaper may act: in the future, never yet; long past, at its next pass.
 */
const K = (k: string) => `{st}:${k}`;
const BEAT_MS = 200; // node TTL 1 s, a reap pass every second

async function tracker(redis: RedisServer, nodeId: string, more: Record<string, unknown> = {}) {
  return startTestServer({ redisUrl: redis.url, nodeId, clusterBeatMs: BEAT_MS, clusterFlushMs: 100, sessionTimeoutMs: 6_000, ...more });
}

type Part = Record<string, any> & { sid: string; node: string; pages: any[] };

async function storedPart(r: Redis, sid: string, node: string): Promise<Part | undefined> {
  const text = await r.hget(`{st:${sid}}:parts`, node);
  return text ? (JSON.parse(text) as Part) : undefined;
}

/** Writes a dead node's record of a session as its flushes would have, and its last beat. */
async function plant(r: Redis, part: Part, lastBeat: number, opts: { beating?: boolean; token?: string } = {}): Promise<void> {
  const m = r
    .multi()
    .hset(`{st:${part.sid}}:parts`, part.node, JSON.stringify(part))
    .sadd(K(`nodeparts:${part.node}`), part.sid)
    .sadd(K('nodes'), part.node)
    .hset(K('beats'), part.node, String(lastBeat));
  if (opts.token) m.set(`{st:tok:${part.tokenHash}}`, part.sid);
  if (opts.beating) m.set(K(`node:${part.node}`), '{}', 'PX', 60_000);
  await m.exec();
}

const tokenHash = (t: string) => createHash('sha256').update(t).digest('base64url');
const find = async (admin: RawClient, sid: string) =>
  (expectResult(await admin.call('getSessionInfo', {})) as any[]).find((s) => s.id === sid);

describe.skipIf(!hasRedis())("cluster: a dead node's part of a session (retire rules)", () => {
  it('shows no page of a dead node at once, the reaper retires its part with its counters, then forgets the node; admin actions never wait on it', async () => {
    await using redis = await RedisServer.start();
    await using a = await tracker(redis, 'a', { clusterTimeoutMs: 1_900 });
    await using b = await tracker(redis, 'b', { clusterTimeoutMs: 1_900 });
    const r = new Redis(redis.url);
    try {
      await using tab = await RawClient.connect(a.wsUrl);
      expectResult(await tab.call('page.open', { pageId: 'a1' }));
      const mine = await until('the part on a in redis', async () => {
        const p = await storedPart(r, tab.sessionId, 'a');
        return p && p.pages.length === 1 ? p : undefined;
      });
      // Another tab of the session lived on "ghost", which died: its key is gone; its last beat
      // is in the future, so no reaper touches it yet.
      const ghost: Part = {
        ...mine,
        node: 'ghost',
        state: 'connected',
        pages: [{ id: 'g1', path: '/g', title: 'G', openedAt: Date.now() }],
        messagesSent: 7,
        totalBytesSent: 1_000,
        totalBytesReceived: 500,
      };
      await plant(r, ghost, Date.now() + 60_000);
      await using admin = await connectAdmin(b);
      await using watcher = await connectAdmin(b);
      const expectLive = (s: any) => {
        expect(s).toMatchObject({ pageIds: ['a1'], activePages: 1, state: 'connected', node: 'a', nodes: ['a'], confirmed: true });
        expect(s.messagesSent).toBeGreaterThanOrEqual(8); // 7 on the ghost, page.open here
        expect(s.totalBytesSent).toBeGreaterThan(1_000);
      };
      // Before any reaper pass: every view already leaves the dead part's page out.
      expectLive(await find(admin, tab.sessionId));
      expectLive(expectResult(await tab.call('session.self')));
      const snap = expectResult(await watcher.call('sessions.watch', {}));
      expectLive(snap.sessions.find((s: any) => s.id === tab.sessionId));
      const stats = expectResult(await admin.call('getSessionStats', {}));
      expect(stats).toMatchObject({ pages: 1, cluster: { unconfirmed: [], degraded: false } });

      // Admin actions ask beating nodes only: none waits for the dead one (clusterTimeoutMs 1.9 s).
      let t0 = Date.now();
      expect((await admin.call('pages.close', { sessionId: tab.sessionId, pageId: 'g1' })).error?.code).toBe(-32004);
      expect(Date.now() - t0).toBeLessThan(1_500);
      t0 = Date.now();
      expect(expectResult(await admin.call('session.sendMessage', { sessionId: tab.sessionId, type: 'hi' }))).toEqual({ delivered: 1 });
      expect(Date.now() - t0).toBeLessThan(1_500);

      // Its last beat is now long past: the next reaper pass retires the part and forgets the node.
      await r.hset(K('beats'), 'ghost', String(Date.now() - 60_000));
      const retired = await until('ghost part retired', async () => {
        const p = await storedPart(r, tab.sessionId, 'ghost');
        return p?.state === 'retired' ? p : undefined;
      });
      expect(retired).toMatchObject({ pages: [], messagesSent: 7, totalBytesSent: 1_000, totalBytesReceived: 500 });
      await until('ghost forgotten', async () => ((await r.sismember(K('nodes'), 'ghost')) === 0 ? true : undefined));
      expect(await r.sismember(K('nodeparts:ghost'), tab.sessionId)).toBe(0);
      expect(await r.hexists(K('beats'), 'ghost')).toBe(0);
      // The views are what they were: totals never drop.
      expectLive(await find(admin, tab.sessionId));
      expectLive(expectResult(await tab.call('session.self')));
      expect(expectResult(await admin.call('getSessionStats', {})).cluster.unconfirmed).toEqual([]);
      // The feed never shows the dead part's page either.
      const fed = await watcher.nextMessage(
        (d) => d?.method === 'sessions.changed' && d.params.updated.some((s: any) => s.id === tab.sessionId),
        5_000,
      );
      expectLive(fed.data.params.updated.find((s: any) => s.id === tab.sessionId));
    } finally {
      r.disconnect();
    }
  });

  it('keeps a session whose only part died listed, disconnected and resumable until the timeout; a resume retires the dead part; unclaimed ones end', async () => {
    await using redis = await RedisServer.start();
    await using a = await tracker(redis, 'a', { clusterTimeoutMs: 300 });
    await using b = await tracker(redis, 'b', { clusterTimeoutMs: 300 });
    const r = new Redis(redis.url);
    try {
      await using template = await RawClient.connect(a.wsUrl);
      const mine = await until('a part to copy', () => storedPart(r, template.sessionId, 'a'));
      const token = randomBytes(32).toString('base64url');
      const orphan: Part = {
        ...mine,
        sid: 'orphan-1',
        node: 'ghost1',
        tokenHash: tokenHash(token),
        state: 'connected',
        pages: [{ id: 'g1', path: '/', title: '', openedAt: 1 }],
        messagesSent: 5,
      };
      // Dead since 1.2 s ago: past the node TTL, well inside the 6 s session timeout.
      await plant(r, orphan, Date.now() - 1_200, { token });
      const lost: Part = { ...orphan, sid: 'orphan-2', node: 'ghost2', tokenHash: tokenHash('other'), messagesSent: 1 };
      await plant(r, lost, Date.now() - 5_500, { token: 'x' });
      await using admin = await connectAdmin(b);
      const listed = await find(admin, 'orphan-1');
      expect(listed).toMatchObject({
        state: 'disconnected',
        pageIds: [],
        node: 'ghost1',
        nodes: ['ghost1'],
        confirmed: false,
        messagesSent: 5,
      });
      // Reaper passes leave it (it is what keeps the session resumable).
      await until('the unclaimed one ended by the reaper', async () => ((await find(admin, 'orphan-2')) ? undefined : true));
      expect(await r.exists('{st:orphan-2}:parts')).toBe(0);
      expect((await storedPart(r, 'orphan-1', 'ghost1'))?.state).toBe('connected');

      await using back = await RawClient.connect(a.wsUrl, { resume: token });
      expect(back.welcome).toMatchObject({ resumed: true, sessionId: 'orphan-1' });
      const retired = await until('the dead part retired once the session lives on a', async () => {
        const p = await storedPart(r, 'orphan-1', 'ghost1');
        return p?.state === 'retired' ? p : undefined;
      });
      expect(retired).toMatchObject({ pages: [], messagesSent: 5 });
      const s = await find(admin, 'orphan-1');
      expect(s).toMatchObject({ state: 'connected', pageIds: [], nodes: ['a'], node: 'a', confirmed: true });
      expect(s.messagesSent).toBeGreaterThanOrEqual(5);
      await until('ghost1 forgotten', async () => ((await r.sismember(K('nodes'), 'ghost1')) === 0 ? true : undefined));
    } finally {
      r.disconnect();
    }
  });

  it('never retires the part of a slow node inside its TTL, however old its last beat', async () => {
    await using redis = await RedisServer.start();
    await using a = await tracker(redis, 'a', { clusterTimeoutMs: 300 });
    await using admin = await connectAdmin(a);
    const r = new Redis(redis.url);
    try {
      await using tab = await RawClient.connect(a.wsUrl);
      const mine = await until('the part on a', () => storedPart(r, tab.sessionId, 'a'));
      // "slow": its key lives (it beats) but it never answers; "dead": no key.
      await plant(
        r,
        { ...mine, node: 'slow', state: 'connected', pages: [{ id: 's1', path: '/', title: '', openedAt: 1 }] },
        Date.now() - 60_000,
        { beating: true },
      );
      await plant(
        r,
        { ...mine, node: 'dead', state: 'connected', pages: [{ id: 'd1', path: '/', title: '', openedAt: 1 }] },
        Date.now() - 60_000,
      );
      // The pass that retired the dead node's part went over the slow node too.
      await until('dead part retired', async () => ((await storedPart(r, tab.sessionId, 'dead'))?.state === 'retired' ? true : undefined));
      expect(await storedPart(r, tab.sessionId, 'slow')).toMatchObject({ state: 'connected', pages: [{ id: 's1' }] });
      expect(await r.sismember(K('nodes'), 'slow')).toBe(1);
      const s = await find(admin, tab.sessionId);
      // Its part is live and unconfirmed; the dead one adds only its counters.
      expect(s).toMatchObject({ state: 'connected', confirmed: false });
      expect(s.pageIds.sort()).toEqual(['s1']);
      expect(s.nodes.sort()).toEqual(['a', 'slow']);
      // Once its key lapses it is dead too.
      await r.del(K('node:slow'));
      await until('slow part retired once dead', async () =>
        (await storedPart(r, tab.sessionId, 'slow'))?.state === 'retired' ? true : undefined,
      );
      expect(await find(admin, tab.sessionId)).toMatchObject({ nodes: ['a'], confirmed: true, pageIds: [] });
    } finally {
      r.disconnect();
    }
  });

  it("a resume on a node that held a part of the session before (retired) keeps that part's counters: totals never drop", async () => {
    await using redis = await RedisServer.start();
    await using a = await tracker(redis, 'a', { clusterTimeoutMs: 300 });
    const r = new Redis(redis.url);
    try {
      await using tab = await RawClient.connect(a.wsUrl);
      const mine = await until('the part on a', () => storedPart(r, tab.sessionId, 'a'));
      // Node b held a tab of this session, died, and the reaper retired its part and forgot it.
      const old: Part = {
        ...mine,
        node: 'b',
        state: 'retired',
        pages: [],
        messagesSent: 9,
        totalBytesSent: 5_000,
        totalBytesReceived: 100,
      };
      await r.multi().hset(`{st:${tab.sessionId}}:parts`, 'b', JSON.stringify(old)).sadd(K('retired'), tab.sessionId).exec();
      await using admin = await connectAdmin(a);
      const before = await find(admin, tab.sessionId);
      expect(before.messagesSent).toBeGreaterThanOrEqual(9);
      // b starts again under its old name; a tab of the session comes back to it.
      await using b = await tracker(redis, 'b', { clusterTimeoutMs: 300 });
      await using tab2 = await RawClient.connect(b.wsUrl, { resume: tab.welcome.resumeToken });
      expect(tab2.welcome).toMatchObject({ resumed: true, sessionId: tab.sessionId });
      const now = await until("b's new part", async () => {
        const p = await storedPart(r, tab.sessionId, 'b');
        return p?.state === 'connected' ? p : undefined;
      });
      expect(now.messagesSent).toBeGreaterThanOrEqual(9);
      expect(now.totalBytesSent).toBeGreaterThanOrEqual(5_000);
      const after = await find(admin, tab.sessionId);
      expect(after.messagesSent).toBeGreaterThanOrEqual(before.messagesSent);
      expect(after.totalBytesSent).toBeGreaterThanOrEqual(before.totalBytesSent);
      expect(after.totalBytesReceived).toBeGreaterThanOrEqual(before.totalBytesReceived);
    } finally {
      r.disconnect();
    }
  });

  it("retires a live node's part left disconnected past the timeout (its previous run's) while the session lives on elsewhere", async () => {
    await using redis = await RedisServer.start();
    await using a = await tracker(redis, 'a', { clusterTimeoutMs: 300 });
    await using admin = await connectAdmin(a);
    const r = new Redis(redis.url);
    try {
      await using tab = await RawClient.connect(a.wsUrl);
      const mine = await until('the part on a', () => storedPart(r, tab.sessionId, 'a'));
      // Node "b" restarted under its name: the part of its previous run was rewritten as
      // disconnected (an orphan, in the retired set); its client resumed on a long ago.
      const orphan: Part = { ...mine, node: 'b', state: 'disconnected', disconnectedAt: Date.now() - 10_000, pages: [], messagesSent: 4 };
      await plant(r, orphan, Date.now(), { beating: true });
      await r.sadd(K('retired'), tab.sessionId);
      const retired = await until('orphan retired', async () => {
        const p = await storedPart(r, tab.sessionId, 'b');
        return p?.state === 'retired' ? p : undefined;
      });
      expect(retired).toMatchObject({ messagesSent: 4, pages: [] });
      expect(await r.sismember(K('nodeparts:b'), tab.sessionId)).toBe(0);
      const s = await find(admin, tab.sessionId);
      expect(s).toMatchObject({ nodes: ['a'], node: 'a', state: 'connected' });
      expect(s.messagesSent).toBeGreaterThanOrEqual(4);
    } finally {
      r.disconnect();
    }
  });
});
