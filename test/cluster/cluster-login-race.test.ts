import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { until } from '../support/cluster.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';

/**
 * A tab that logs in on node a and, at once, another tab of the session that resumes on node
 * b: b joins from the record a wrote before the login, and a's login broadcast may reach b
 * before b holds the session. b's own copy must still end up logged in (it decides b's
 * admin checks), not only the merged view.
 */
describe.skipIf(!hasRedis())('cluster: a login just before a resume on another node', () => {
  it('reaches the joining node whichever comes first, the broadcast or the join', async () => {
    await using redis = await RedisServer.start();
    // A long flush interval: only the login's own write or its broadcast can carry it to b.
    const opts = { redisUrl: redis.url, clusterBeatMs: 200, clusterFlushMs: 10_000, sessionTimeoutMs: 6_000 };
    await using a = await startTestServer({ ...opts, nodeId: 'a' });
    await using b = await startTestServer({ ...opts, nodeId: 'b' });
    const r = new Redis(redis.url);
    try {
      for (let round = 0; round < 5; round++) {
        await using first = await RawClient.connect(a.wsUrl, { project: `race${round}` });
        // b finds the session through its record (a writes a new session at once).
        await until('the new session in Redis', async () => ((await r.hget(`{st:${first.sessionId}}:parts`, 'a')) ? true : undefined));
        const login = first.call('auth.login', { token: ADMIN_TOKEN });
        const second = await RawClient.connect(b.wsUrl, { project: `race${round}`, resume: first.welcome.resumeToken });
        expect((await login).result?.authorized).toBe(true);
        expect(second.welcome).toMatchObject({ resumed: true, sessionId: first.sessionId });
        // b's own copy: an admin-only call made on b is allowed once the login has reached it.
        const allowed = await until(
          `round ${round}: the login on b`,
          async () => {
            const res = await second.call('getSessionStats', { scope: 'node' });
            return res.error === undefined ? res : undefined;
          },
          3_000,
        );
        expect(allowed.result.sessions).toBeGreaterThanOrEqual(1);
        await second.close();
      }
    } finally {
      r.disconnect();
    }
  });
});
