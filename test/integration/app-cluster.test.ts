/**
 * Contract 1.1 in cluster mode: a push reaches every node over the existing Redis bus and
 * counts across nodes; per-method traffic shows in cluster-wide SessionInfo.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { hasRedis, RedisServer } from '../support/redis.js';
import { ADMIN_TOKEN, startTestServer } from '../support/server.js';
import { userToken } from '../support/jwt.js';
import { RawClient } from '../support/ws-client.js';
import { waitFor } from '../support/wait.js';

const FAST = { clusterBeatMs: 200, clusterFlushMs: 100 };

/** Node `node` has written its part of session `sid` to Redis: a resume on another node finds it. */
function written(redis: RedisServer, sid: string, node: string): boolean {
  return (
    execFileSync('redis-cli', ['-p', String(redis.port), 'HEXISTS', `{st:${sid}}:parts`, node])
      .toString()
      .trim() === '1'
  );
}

describe.skipIf(!hasRedis())('app traffic across a cluster', () => {
  it('pushes by session, page and filters to sockets on every node, and counts them all', async () => {
    await using redis = await RedisServer.start();
    await using a = await startTestServer({ redisUrl: redis.url, nodeId: 'node-a', ...FAST });
    await using b = await startTestServer({ redisUrl: redis.url, nodeId: 'node-b', ...FAST });
    await using onA = await RawClient.connect(a.wsUrl, { project: 'Plant' });
    await waitFor(() => written(redis, onA.sessionId, 'node-a'), 'the part in redis');
    // The same session's second tab lands on the other node.
    await using tabOnB = await RawClient.connect(b.wsUrl, { project: 'Plant', resume: onA.welcome.resumeToken });
    expect(tabOnB.welcome).toMatchObject({ sessionId: onA.sessionId, resumed: true });
    await onA.result('auth.login', { token: await userToken('billy') });
    await waitFor(() => b.tracker.registry.get(onA.sessionId)?.username === 'billy', 'the login on node b');
    await tabOnB.result('page.open', { pageId: 'pB' });
    await using otherOnB = await RawClient.connect(b.wsUrl, { project: 'Other' });
    // Let the cluster settle: each node sees the other beat (filter pushes go to every live
    // node), and both parts of the session are in Redis (a session push goes to its holders).
    await using admin = await RawClient.connect(a.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    await waitFor(async () => (await admin.result('getSessionStats', {})).cluster.nodes.length === 2, 'both nodes answering');
    await waitFor(() => written(redis, onA.sessionId, 'node-b'), 'the part of node b in redis');

    expect(await a.tracker.push({ sessionId: onA.sessionId }, 'to.session', 1)).toBe(2);
    expect(await a.tracker.push({ sessionId: onA.sessionId, pageId: 'pB' }, 'to.page', 2)).toBe(1);
    expect(await a.tracker.push({ usernameFilter: 'billy' }, 'to.user', 3)).toBe(2);
    expect(await a.tracker.push({ projectFilter: 'Other' }, 'to.project', 4)).toBe(1);
    expect(await a.tracker.push({}, 'to.all', 5)).toBe(4);
    const got = (c: RawClient, name: string) => c.nextMessage((d) => d?.method === `app.${name}`).then((m) => m.data.params);
    expect(await got(onA, 'to.session')).toBe(1);
    expect(await got(tabOnB, 'to.session')).toBe(1);
    expect(await got(tabOnB, 'to.page')).toBe(2);
    expect(await got(onA, 'to.user')).toBe(3);
    expect(await got(tabOnB, 'to.user')).toBe(3);
    expect(await got(otherOnB, 'to.project')).toBe(4);
    for (const c of [onA, tabOnB, otherOnB, admin]) expect(await got(c, 'to.all')).toBe(5);
    expect(onA.unconsumed().filter((e) => e.data?.method === 'app.to.page')).toEqual([]);
  });

  it('shows per-method traffic of parts on several nodes, merged, in cluster-wide answers', async () => {
    await using redis = await RedisServer.start();
    await using a = await startTestServer({ redisUrl: redis.url, nodeId: 'node-a', ...FAST });
    await using b = await startTestServer({ redisUrl: redis.url, nodeId: 'node-b', ...FAST });
    for (const srv of [a, b]) srv.tracker.handle('echo', (p: unknown) => p);
    await using onA = await RawClient.connect(a.wsUrl);
    await waitFor(() => written(redis, onA.sessionId, 'node-a'), 'the part in redis');
    await using onB = await RawClient.connect(b.wsUrl, { resume: onA.welcome.resumeToken });
    expect(onB.welcome).toMatchObject({ sessionId: onA.sessionId, resumed: true });
    const one = await onA.request({ jsonrpc: '2.0', id: 'x', method: 'app.echo', params: { v: 'a' } });
    const two = await onB.request({ jsonrpc: '2.0', id: 'y', method: 'app.echo', params: { v: 'bb' } });
    await using admin = await RawClient.connect(a.wsUrl);
    await admin.result('auth.login', { token: ADMIN_TOKEN });
    const expected = {
      messagesSent: 2,
      bytesSent: Buffer.byteLength(one.text) + Buffer.byteLength(two.text),
      messagesReceived: 2,
      bytesReceived: Buffer.byteLength(JSON.stringify(one.response)) + Buffer.byteLength(JSON.stringify(two.response)),
    };
    let last: unknown;
    const info = await waitFor(async () => {
      const list = await admin.result('getSessionInfo', []);
      const s = list.find((x: any) => x.id === onA.sessionId);
      last = s;
      return s?.nodes?.length === 2 && s.traffic?.echo?.messagesSent === 2 ? s : undefined;
    }, 'both parts merged').catch((err: unknown) => {
      throw new Error(`${String(err)}: ${JSON.stringify(last)}`);
    });
    expect(info.traffic).toEqual({ echo: expected });
    // session.self on node b reads node a's part from Redis: it catches up with a's next write.
    const self = await waitFor(async () => {
      const me = await onB.result('session.self');
      return me.traffic?.echo?.messagesSent === 2 ? me : undefined;
    }, 'node a part written');
    expect(self.traffic).toEqual({ echo: expected });
  });
});
