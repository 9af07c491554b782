import { describe, expect, it } from 'vitest';
import { connectWithLogin, list, nodeListed, threeNodes, until, untilStored } from '../support/cluster.js';
import { connectAdmin, expectResult } from '../support/contract.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { RawClient } from '../support/ws-client.js';

const sorted = (x: string[]) => [...x].sort();

/** Two tabs of one session: one on node a (page "one"), one on node b (page "two"), both written to Redis. */
async function twoTabs(redisUrl: string, a: { wsUrl: string }, b: { wsUrl: string }) {
  const tab1 = await connectWithLogin(a.wsUrl, 'ann');
  await untilStored(redisUrl, tab1.sessionId, 'node-a');
  const tab2 = await RawClient.connect(b.wsUrl, { resume: tab1.welcome.resumeToken });
  expect(tab2.welcome).toMatchObject({ resumed: true, sessionId: tab1.sessionId });
  expectResult(await tab1.call('page.open', { pageId: 'one' }));
  expectResult(await tab2.call('page.open', { pageId: 'two' }));
  await untilStored(redisUrl, tab1.sessionId, 'node-b', (p) => p.pages.length === 1);
  await untilStored(redisUrl, tab1.sessionId, 'node-a', (p) => p.pages.length === 1);
  return { tab1, tab2, sid: tab1.sessionId };
}

// Node processes with short beats (FAST: dead after 2.5 s, a reap pass every second), so
// the "within about 7 s with the defaults" (5 s TTL + a 2 s pass) scales to ~3.5 s.
describe.skipIf(!hasRedis())('cluster: a node dies or pauses while the session lives on another', () => {
  it('SIGKILL: the dead tab goes from every view, the reaper retires its part (counters kept) and forgets the node; actions answer at once', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    const { tab1, tab2, sid } = await twoTabs(redis.url, a, b);
    await using _t1 = tab1;
    await using admin = await connectAdmin(c);
    const before = await until('both tabs merged', async () => (await list(admin)).find((s) => s.id === sid && s.pageIds.length === 2));
    expect(sorted(before.nodes)).toEqual(['node-a', 'node-b']);

    await b.kill('SIGKILL');
    const killedAt = Date.now();
    await tab2.closed;
    const live = (s: any) => s?.pageIds.length === 1 && s.nodes.length === 1 && s.confirmed === true;
    const after = await until('no dead page, live nodes only', async () => (await list(admin)).find((s) => s.id === sid && live(s)), 8_000);
    expect(after).toMatchObject({
      pageIds: ['one'],
      activePages: 1,
      state: 'connected',
      node: 'node-a',
      nodes: ['node-a'],
      confirmed: true,
      username: 'ann',
    });
    expect(after.messagesSent).toBeGreaterThanOrEqual(before.messagesSent);
    expect(after.totalBytesSent).toBeGreaterThanOrEqual(before.totalBytesSent);
    expect(expectResult(await tab1.call('session.self'))).toMatchObject({ pageIds: ['one'], state: 'connected', nodes: ['node-a'] });

    // In Redis: b's part retired with its counters, then b forgotten, within one reap pass of
    // b being declared dead (2.5 s). Measured from the kill; the bound is the scaled 7 s.
    const retired = await untilStored(redis.url, sid, 'node-b', (p) => p.state === 'retired', 8_000);
    expect(retired.pages).toEqual([]);
    expect(retired.messagesSent).toBeGreaterThanOrEqual(1);
    await until('node-b forgotten', async () => ((await nodeListed(redis.url, 'node-b')) ? undefined : true), 8_000);
    expect(Date.now() - killedAt).toBeLessThan(7_000);
    const stats = expectResult(await admin.call('getSessionStats', {}));
    expect(stats).toMatchObject({ pages: 1, cluster: { unconfirmed: [], degraded: false } });
    expect(sorted(stats.cluster.nodes)).toEqual(['node-a', 'node-c']);
    const again = (await list(admin)).find((s) => s.id === sid);
    expect(again).toMatchObject({ pageIds: ['one'], nodes: ['node-a'], confirmed: true });
    expect(again.messagesSent).toBeGreaterThanOrEqual(after.messagesSent);

    // The dead tab's page is gone, not "no such page" next to a listing that shows it.
    expect((await tab1.call('page.close', { pageId: 'two' })).error?.code).toBe(-32004);
    // Admin actions no longer wait on the dead node (clusterTimeoutMs is 1.5 s).
    let t0 = Date.now();
    expect((await admin.call('pages.close', { sessionId: sid, pageId: 'two' })).error?.code).toBe(-32004);
    expect(Date.now() - t0).toBeLessThan(1_500);
    t0 = Date.now();
    expect(expectResult(await admin.call('session.sendMessage', { sessionId: sid, type: 'hi' }))).toEqual({ delivered: 1 });
    expect(Date.now() - t0).toBeLessThan(1_500);
    t0 = Date.now();
    expectResult(await admin.call('pages.close', { sessionId: sid, pageId: 'one' }));
    expect(Date.now() - t0).toBeLessThan(1_500);
    t0 = Date.now();
    expectResult(await admin.call('sessions.close', { sessionId: sid }));
    expect(Date.now() - t0).toBeLessThan(1_500);
    expect((await tab1.closed).code).toBe(4000);
  });

  it('a node paused past its TTL comes back: its retired part is announced again, pages and all', async () => {
    await using redis = await RedisServer.start();
    // A long ping interval on b: the pause must not cost tab 2 its socket (that is not what is tested).
    const [a, b, c] = await threeNodes(redis, ['--heartbeat', '20000', '--session-timeout', '20000']);
    await using _a = a,
      _b = b,
      _c = c;
    const { tab1, tab2, sid } = await twoTabs(redis.url, a, b);
    await using _t1 = tab1,
      _t2 = tab2;
    await using admin = await connectAdmin(c);
    b.child.kill('SIGSTOP');
    try {
      await untilStored(redis.url, sid, 'node-b', (p) => p.state === 'retired', 10_000);
      const paused = (await list(admin)).find((s) => s.id === sid);
      expect(paused).toMatchObject({ pageIds: ['one'], nodes: ['node-a'], confirmed: true, state: 'connected' });
    } finally {
      b.child.kill('SIGCONT');
    }
    const back = await until(
      'b announced its part again',
      async () => {
        const s = (await list(admin)).find((x) => x.id === sid);
        return s && s.pageIds.length === 2 && s.nodes.length === 2 && s.confirmed ? s : undefined;
      },
      10_000,
    );
    expect(sorted(back.pageIds)).toEqual(['one', 'two']);
    expect(sorted(back.nodes)).toEqual(['node-a', 'node-b']);
    expect(await untilStored(redis.url, sid, 'node-b', (p) => p.state === 'connected')).toMatchObject({ pages: [{ id: 'two' }] });
    expect(await nodeListed(redis.url, 'node-b')).toBe(true);
    expect(sorted(expectResult(await tab2.call('session.self')).pageIds)).toEqual(['one', 'two']);
  });
});
