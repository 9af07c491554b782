import { describe, expect, it } from 'vitest';
import { list, NodeProcess, FAST, threeNodes, until } from '../support/cluster.js';
import { connectAdmin, expectResult } from '../support/contract.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { RawClient, sleep } from '../support/ws-client.js';

// Redis gone, Redis frozen, a node back under its old name: each node keeps serving its own
// sessions, answers within 2 s flagged degraded, and the shared view comes back right.
describe.skipIf(!hasRedis())('cluster mode when Redis or a node goes away', () => {
  it('keeps serving without Redis (degraded), and restores the shared view when Redis returns', async () => {
    const redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    try {
      await using onB = await RawClient.connect(b.wsUrl);
      await using admin = await connectAdmin(a);
      await until('b visible', async () => ((await list(admin)).length === 2 ? true : undefined));
      await redis.stop();
      await sleep(300);
      await using local = await RawClient.connect(a.wsUrl, { project: 'during-outage' });
      const during = expectResult(await admin.call('getSessionStats', {}));
      expect(during.cluster.degraded).toBe(true);
      expect(during.sessions).toBe(2); // this node's own: the admin and the new one
      expect(expectResult(await onB.call('session.self')).id).toBe(onB.sessionId); // b still serves
      await redis.restart();
      const restored = await until(
        'shared view restored',
        async () => {
          const s = expectResult(await admin.call('getSessionStats', {}));
          return !s.cluster.degraded && s.sessions === 3 && s.cluster.nodes.length === 3 ? s : undefined;
        },
        15_000,
      );
      expect(restored.cluster.nodes.sort()).toEqual(['node-a', 'node-b', 'node-c']);
      void local;
    } finally {
      await redis.stop();
    }
  });

  it('answers within 2 s while Redis is frozen, flagged degraded; sessions that ended meanwhile leave no zombie', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    await using admin = await connectAdmin(a);
    const brief = await RawClient.connect(b.wsUrl, { project: 'Plant' });
    await until('b visible', async () => ((await list(admin, { projectFilter: 'Plant' })).length === 1 ? true : undefined));
    redis.freeze();
    try {
      for (const method of ['getSessionInfo', 'getSessionStats']) {
        const t0 = Date.now();
        const r = await admin.call(method, {}, 5_000);
        expect(Date.now() - t0).toBeLessThan(2_000);
        expect(r.error).toBeUndefined();
      }
      const stats = await until('degraded', async () => {
        const s = expectResult(await admin.call('getSessionStats', {}));
        return s.cluster.degraded ? s : undefined;
      });
      expect(stats.sessions).toBe(1); // a's own admin
      // The session ends on b while b cannot tell Redis (closed, then past the 2 s timeout).
      await sleep(500);
      await brief.close();
      await sleep(2_500);
    } finally {
      redis.thaw();
    }
    // Back: the ended session is not listed again, as connected or otherwise.
    await until(
      'shared view restored without the ended session',
      async () => {
        const s = expectResult(await admin.call('getSessionStats', {}));
        return !s.cluster.degraded && s.cluster.nodes.length === 3 && s.sessions === 1 ? true : undefined;
      },
      15_000,
    );
    // Ended means ended: its token no longer resumes it, on any node (the reaper has had its turn).
    await sleep(1_500);
    expect((await list(admin)).map((s) => s.id)).toEqual([admin.sessionId]);
    for (const node of [a, b, c]) {
      await using late = await RawClient.connect(node.wsUrl, { project: 'Plant', resume: brief.welcome.resumeToken });
      expect(late.welcome.resumed).toBe(false);
    }
    // Its own waits add up past the suite's 20 s default (three node starts, a 3 s freeze, up to
    // 15 s to converge, the reaper's turn): about 17 s on a quiet machine.
  }, 45_000);

  it('a node restarted under its old name lists its old sessions as disconnected until they resume or time out', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis, ['--session-timeout', '4000']);
    await using _a = a,
      _b = b;
    await using admin = await connectAdmin(a);
    const stays = await RawClient.connect(c.wsUrl, { project: 'Plant' });
    const leaves = await RawClient.connect(c.wsUrl, { project: 'Plant' });
    await until('c visible', async () => ((await list(admin, { projectFilter: 'Plant' })).length === 2 ? true : undefined));
    await sleep(300); // past a flush
    await c.kill('SIGKILL');
    await using again = await NodeProcess.start('node-c', redis.url, [...FAST, '--session-timeout', '4000']);
    const seen = await until('old sessions disconnected on the live node', async () => {
      const l = await list(admin, { projectFilter: 'Plant' });
      return l.length === 2 && l.every((s) => s.state === 'disconnected') ? l : undefined;
    });
    expect(seen.map((s) => s.node)).toEqual(['node-c', 'node-c']);
    await using back = await RawClient.connect(again.wsUrl, { project: 'Plant', resume: stays.welcome.resumeToken });
    expect(back.welcome).toMatchObject({ resumed: true, sessionId: stays.sessionId });
    const after = await until(
      'one resumed, the other ended after its timeout',
      async () => {
        const l = await list(admin, { projectFilter: 'Plant' });
        return l.length === 1 ? l : undefined;
      },
      12_000,
    );
    expect(after[0]).toMatchObject({ id: stays.sessionId, state: 'connected', node: 'node-c' });
    void leaves;
  });
});
