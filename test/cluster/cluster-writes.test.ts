import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { storedPart, until, untilStored } from '../support/cluster.js';
import { connectAdmin, expectResult } from '../support/contract.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { startTestServer } from '../support/server.js';
import { RawClient, sleep } from '../support/ws-client.js';

const K = (k: string) => `{st}:${k}`;

// One tracker in this process on a private redis-server; Redis itself is slowed with
// CLIENT PAUSE, so what is in flight when is decided by the test, not by the machine's load.
describe.skipIf(!hasRedis())('cluster: writes and reads under a slow Redis', () => {
  it('writes a new session right after a write in progress, not a flush interval later', async () => {
    await using redis = await RedisServer.start();
    // Periodic flushes a minute apart: only the new-session write can bring s2 to Redis.
    await using a = await startTestServer({ redisUrl: redis.url, nodeId: 'a', clusterBeatMs: 500, clusterFlushMs: 60_000 });
    const r = new Redis(redis.url);
    try {
      // Writes wait 800 ms: s1's write is in flight when s2 arrives.
      await r.call('CLIENT', 'PAUSE', '800', 'WRITE');
      await using s1 = await RawClient.connect(a.wsUrl);
      await sleep(150);
      await using s2 = await RawClient.connect(a.wsUrl);
      await untilStored(redis.url, s1.sessionId, 'a', undefined, 5_000);
      await untilStored(redis.url, s2.sessionId, 'a', undefined, 5_000);
    } finally {
      r.disconnect();
    }
  });

  it('names a silent node whose stored sessions Redis could not give within the query budget, and flags the answer degraded', async () => {
    await using redis = await RedisServer.start();
    await using a = await startTestServer({
      redisUrl: redis.url,
      nodeId: 'a',
      clusterBeatMs: 500,
      clusterFlushMs: 100,
      clusterTimeoutMs: 1_000,
    });
    const r = new Redis(redis.url);
    const spy = new Redis(redis.url);
    try {
      await using tab = await RawClient.connect(a.wsUrl);
      const mine = await until('a part to copy', () => storedPart(redis.url, tab.sessionId, 'a'));
      // "slow" beats (its key lives) but never answers; its session is in Redis.
      const part = { ...mine, sid: 'slow-1', node: 'slow' };
      await r
        .multi()
        .hset('{st:slow-1}:parts', 'slow', JSON.stringify(part))
        .sadd(K('nodeparts:slow'), 'slow-1')
        .sadd(K('nodes'), 'slow')
        .hset(K('beats'), 'slow', String(Date.now()))
        .set(K('node:slow'), '{}', 'PX', 60_000)
        .exec();
      await using admin = await connectAdmin(a);
      const ok = expectResult(await admin.call('getSessionStats', {}));
      expect(ok).toMatchObject({ sessions: 3, cluster: { unconfirmed: ['slow'], degraded: false } });
      // Next query: once it is asked on the request channel, Redis stops answering anything
      // for longer than the query's budget (it waits 1 s for "slow", then reads Redis).
      await spy.subscribe(K('req'));
      spy.on('message', (_ch: string, text: string) => {
        if (text.includes('"type":"query"')) void r.call('CLIENT', 'PAUSE', '2500', 'ALL');
      });
      const cut = expectResult(await admin.call('getSessionStats', {}, 5_000));
      expect(cut.cluster.degraded).toBe(true);
      expect(cut.cluster.unconfirmed).toEqual(['slow']);
    } finally {
      spy.disconnect();
      r.disconnect();
    }
  });
});
