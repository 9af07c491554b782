import { describe, expect, it } from 'vitest';
import { FAST, list, NodeProcess, until } from '../support/cluster.js';
import { connectAdmin, expectResult } from '../support/contract.js';
import { hasRedis, RedisClusterServers, RedisSentinel } from '../support/redis.js';
import { RawClient } from '../support/ws-client.js';

/**
 * The same guarantees through Redis Sentinel and Redis Cluster URLs: two nodes, a cross-node
 * query, a feed, an admin action and a resume on the other node after a SIGKILL.
 */
async function behavesAsOne(url: string): Promise<void> {
  const [a, b] = await Promise.all(['node-a', 'node-b'].map((n) => NodeProcess.start(n, url, FAST)));
  await using _a = a!,
    _b = b!;
  await using admin = await connectAdmin(a!);
  const watch = expectResult(await admin.call('sessions.watch', { projectFilter: 'Plant' }));
  const onB = await RawClient.connect(b!.wsUrl, { project: 'Plant' });
  await onB.call('page.open', { pageId: 'p1' });
  const seen = await until('session on b listed from a', async () =>
    (await list(admin, { projectFilter: 'Plant' })).find((s) => s.id === onB.sessionId && s.pageIds.length === 1),
  );
  expect(seen).toMatchObject({ node: 'node-b', confirmed: true, state: 'connected', pageIds: ['p1'] });
  await admin.nextMessage(
    (d) =>
      d?.method === 'sessions.changed' &&
      d.params.subscription === watch.subscription &&
      d.params.added.some((s: any) => s.id === onB.sessionId),
    8_000,
  );
  // An admin action from a reaches the socket on b.
  const told = onB.nextMessage((d) => d?.method === 'session.message', 5_000);
  expect(expectResult(await admin.call('session.sendMessage', { sessionId: onB.sessionId, type: 'hello', payload: 1 }))).toEqual({
    delivered: 1,
  });
  expect((await told).data.params).toMatchObject({ type: 'hello', payload: 1 });
  // b dies; its client resumes on a with the same session.
  await b!.kill('SIGKILL');
  await onB.closed;
  await using back = await RawClient.connect(a!.wsUrl, { project: 'Plant', resume: onB.welcome.resumeToken });
  expect(back.welcome).toMatchObject({ resumed: true, sessionId: onB.sessionId });
}

describe.skipIf(!hasRedis())('cluster mode through Sentinel and Redis Cluster URLs', () => {
  it('redis+sentinel://host:port/mymaster', async () => {
    await using sentinel = await RedisSentinel.start();
    await behavesAsOne(sentinel.url);
  });

  it('redis+cluster://host:port,host:port,host:port', async () => {
    await using servers = await RedisClusterServers.start();
    await behavesAsOne(servers.url);
  });
});
