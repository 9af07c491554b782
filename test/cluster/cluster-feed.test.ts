import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectAdmin, expectResult } from '../support/contract.js';
import { list, threeNodes, until, untilStored } from '../support/cluster.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { RawClient, sleep } from '../support/ws-client.js';

type Feed = (sub: string, pred: (params: any) => boolean, timeoutMs?: number) => Promise<any>;

/** The next sessions.changed of a subscription that satisfies `pred` (earlier ones are taken). */
function feedOf(admin: RawClient): Feed {
  return async (sub, pred, timeoutMs = 8_000) =>
    (await admin.nextMessage((d) => d?.method === 'sessions.changed' && d.params.subscription === sub && pred(d.params), timeoutMs)).data
      .params;
}

const has = (list: any[], id: string, more: (s: any) => boolean = () => true) => list.some((s) => s.id === id && more(s));

// The feed is event-driven: nodes publish their part writes on a change channel while some
// node watches, and each watching node keeps a mirror. These tests hold it to what the
// cluster query says, through node death, reaping and a Redis restart.
describe.skipIf(!hasRedis())('cluster-wide live feed', () => {
  it('sessions.watch on one node sees sessions come, change and go on the others; scope "node" sees only its own', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    await using admin = await connectAdmin(a, { project: 'Ops' });
    const feed = feedOf(admin);
    const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Plant' }));
    expect(watch.sessions).toEqual([]);
    const local = expectResult(await admin.call('sessions.watch', { projectFilter: 'Plant', scope: 'node' }));
    const onB = await RawClient.connect(b.wsUrl, { project: 'Plant' });
    const added = await feed(watch.subscription, (p) => has(p.added, onB.sessionId));
    expect(added.added.find((s: any) => s.id === onB.sessionId)).toMatchObject({
      node: 'node-b',
      nodes: ['node-b'],
      project: 'Plant',
      confirmed: true,
    });
    await onB.call('page.open', { pageId: 'x', path: '/x' });
    await feed(watch.subscription, (p) => has(p.updated, onB.sessionId, (s) => s.pageIds.includes('x')));
    // Counters travel too: bytes sent on B reach A's feed with B's next write.
    onB.sendJson({ jsonrpc: '2.0', method: 'app.data', params: { blob: 'x'.repeat(500) } });
    await feed(watch.subscription, (p) => has(p.updated, onB.sessionId, (s) => s.totalBytesSent > 500));
    await onB.close();
    await feed(watch.subscription, (p) => p.removed.includes(onB.sessionId));
    expect(admin.unconsumed().some((m) => m.data?.params?.subscription === local.subscription)).toBe(false);
    expectResult(await admin.call('sessions.unwatch', { subscription: watch.subscription }));
    expectResult(await admin.call('sessions.unwatch', { subscription: local.subscription }));
  });

  it("shows a SIGKILLed node's sessions go unconfirmed and disconnected, then removed once reaped", async () => {
    await using redis = await RedisServer.start();
    // A timeout longer than the node TTL (2.5 s): the session outlives its node for a while.
    const [a, b, c] = await threeNodes(redis, ['--session-timeout', '6000']);
    await using _a = a,
      _b = b,
      _c = c;
    await using admin = await connectAdmin(a);
    const feed = feedOf(admin);
    const onC = await RawClient.connect(c.wsUrl, { project: 'Plant' });
    await until('c visible', async () => (expectResult(await admin.call('getSessionStats', {})).sessions === 2 ? true : undefined));
    const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Plant' }));
    expect(watch.sessions.map((s: any) => s.id)).toEqual([onC.sessionId]);
    // Reaped means reaped from Redis: c must die after its record landed there (see the next test).
    await untilStored(redis.url, onC.sessionId, 'node-c');
    await c.kill('SIGKILL');
    const dead = await feed(watch.subscription, (p) => has(p.updated, onC.sessionId, (s) => !s.confirmed), 10_000);
    expect(dead.updated.find((s: any) => s.id === onC.sessionId)).toMatchObject({
      state: 'disconnected',
      confirmed: false,
      node: 'node-c',
    });
    // Its client never comes back: the session ends after the timeout, reaped by a living node.
    await feed(watch.subscription, (p) => p.removed.includes(onC.sessionId), 15_000);
    void b;
  });

  it("drops a dead node's session that never reached Redis, as the cluster query does", async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis, ['--session-timeout', '6000']);
    await using _a = a,
      _b = b,
      _c = c;
    await using admin = await connectAdmin(a);
    const feed = feedOf(admin);
    const onC = await RawClient.connect(c.wsUrl, { project: 'Plant' });
    await untilStored(redis.url, onC.sessionId, 'node-c');
    const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Plant' }));
    expect(watch.sessions.map((s: any) => s.id)).toEqual([onC.sessionId]);
    // c dies before its write of the session landed (here: the write is taken back while c
    // is frozen, so nothing can write it again): no reaper will ever end what Redis never had.
    c.child.kill('SIGSTOP');
    const r = new Redis(redis.url);
    try {
      await r.multi().del(`{st:${onC.sessionId}}:parts`).srem('{st}:nodeparts:node-c', onC.sessionId).exec();
    } finally {
      r.disconnect();
    }
    await c.kill('SIGKILL');
    await feed(watch.subscription, (p) => p.removed.includes(onC.sessionId), 10_000);
    expect((await list(admin, { projectFilter: 'Plant' })).map((s) => s.id)).toEqual([]);
  });

  it('keeps feeding after Redis restarts, and two watchers on two nodes see the same sessions', async () => {
    const redis = await RedisServer.start();
    try {
      const [a, b, c] = await threeNodes(redis);
      await using _a = a,
        _b = b,
        _c = c;
      await using adminA = await connectAdmin(a);
      await using adminB = await connectAdmin(b);
      const onC = await RawClient.connect(c.wsUrl, { project: 'Plant' });
      await until('c visible', async () =>
        expectResult(await adminA.call('getSessionStats', { projectFilter: 'Plant' })).sessions === 1 ? true : undefined,
      );
      const wA = expectResult(await adminA.call('sessions.watch', { projectFilter: 'Plant' }));
      const wB = expectResult(await adminB.call('sessions.watch', { projectFilter: 'Plant' }));
      expect(wA.sessions.map((s: any) => s.id)).toEqual([onC.sessionId]);
      expect(wB.sessions.map((s: any) => s.id)).toEqual([onC.sessionId]);
      await redis.stop();
      await sleep(500);
      await redis.restart();
      // After the outage the nodes rejoin and the feeds refill; changes flow again.
      const late = await until(
        'a session on c after the restart',
        async () => {
          const s = expectResult(await adminA.call('getSessionStats', {}));
          return !s.cluster.degraded && s.cluster.nodes.length === 3 ? true : undefined;
        },
        15_000,
      ).then(() => RawClient.connect(c.wsUrl, { project: 'Plant' }));
      await feedOf(adminA)(wA.subscription, (p) => has(p.added, late.sessionId), 10_000);
      await feedOf(adminB)(wB.subscription, (p) => has(p.added, late.sessionId), 10_000);
      await late.call('page.open', { pageId: 'after' });
      await feedOf(adminB)(wB.subscription, (p) => has(p.updated, late.sessionId, (s) => s.pageIds.includes('after')));
      await onC.close();
      await late.close();
    } finally {
      await redis.stop();
    }
  });

  it('costs nothing while nobody watches: nodes publish their writes only while a feed is open', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    const spy = new Redis(redis.url, { lazyConnect: true });
    await spy.connect();
    const heard: string[] = [];
    spy.on('message', (_ch: string, text: string) => heard.push(text));
    await spy.subscribe('{st}:chg');
    try {
      await using busy = await RawClient.connect(b.wsUrl);
      for (let i = 0; i < 5; i++) {
        await busy.call('page.open', { pageId: `p${i}` });
        await sleep(100);
      }
      expect(heard.filter((t) => t.startsWith('{"t":"p"'))).toEqual([]);
      await using admin = await connectAdmin(a);
      const watch = expectResult(await admin.call('sessions.watch', {}));
      await busy.call('page.open', { pageId: 'watched' });
      await until('writes on the change channel', async () => (heard.some((t) => t.includes('"watched"')) ? true : undefined));
      expectResult(await admin.call('sessions.unwatch', { subscription: watch.subscription }));
      void c;
    } finally {
      spy.disconnect();
    }
  });
});
