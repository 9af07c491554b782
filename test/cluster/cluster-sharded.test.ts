import { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { FAST, list, NodeProcess, until } from '../support/cluster.js';
import { connectAdmin, expectResult } from '../support/contract.js';
import { hasRedis, RedisClusterServers } from '../support/redis.js';
import { RawClient } from '../support/ws-client.js';

/** How many session part keys each master of the Redis Cluster holds. */
async function partsPerMaster(servers: RedisClusterServers): Promise<number[]> {
  const r = new Cluster(servers.servers.map((s) => ({ host: '127.0.0.1', port: s.port })));
  try {
    await r.ping(); // the slot map and the masters are known from here on
    const counts: number[] = [];
    for (const node of r.nodes('master')) {
      let n = 0;
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', '{st:*}:parts', 'COUNT', 1000);
        cursor = next;
        n += keys.length;
      } while (cursor !== '0');
      counts.push(n);
    }
    return counts;
  } finally {
    r.disconnect();
  }
}

/** Whether the cluster still lists `node` (the `{st}` slot). */
async function nodeListed(servers: RedisClusterServers, node: string): Promise<boolean> {
  const r = new Cluster(servers.servers.map((s) => ({ host: '127.0.0.1', port: s.port })));
  try {
    return (await r.sismember('{st}:nodes', node)) === 1;
  } finally {
    r.disconnect();
  }
}

// Sessions spread over the masters of a real 3-master Redis Cluster (redis+cluster://): each
// session's keys share one slot ({st:<sid>}), node keys keep {st}. Node processes, FAST
// settings (dead after 2.5 s, a session timeout of 2 s, a reap pass every second).
describe.skipIf(!hasRedis())('cluster mode on a 3-master Redis Cluster', () => {
  it('spreads sessions over the masters; lists, resumes across nodes, and reaps a killed node', async () => {
    await using servers = await RedisClusterServers.start();
    const [a, b, c] = await Promise.all(['node-a', 'node-b', 'node-c'].map((n) => NodeProcess.start(n, servers.url, FAST)));
    await using _a = a!,
      _b = b!,
      _c = c!;
    const nodes = [a!, b!, c!];
    const tabs: RawClient[] = [];
    try {
      // 30 sessions, 10 per node, each with a page.
      for (let i = 0; i < 30; i++) {
        const tab = await RawClient.connect(nodes[i % 3]!.wsUrl, { project: 'Shard' });
        expectResult(await tab.call('page.open', { pageId: `p${i}` }));
        tabs.push(tab);
      }
      await using admin = await connectAdmin(a!);
      const all = await until('all 30 sessions listed from a', async () => {
        const l = (await list(admin, { projectFilter: 'Shard' })).filter((s) => s.pageIds.length === 1);
        return l.length === 30 ? l : undefined;
      });
      expect(new Set(all.map((s) => s.id)).size).toBe(30);
      expect(all.every((s) => s.confirmed === true && s.state === 'connected')).toBe(true);
      // The keys really are spread: one slot per session, so more than one master holds parts.
      const counts = await partsPerMaster(servers);
      expect(counts.reduce((x, y) => x + y, 0)).toBe(31); // and the admin's own session
      expect(counts.filter((n) => n > 0).length).toBeGreaterThan(1);

      // A session of b is resumed on c while its tab on b stays: two parts, two nodes.
      const onB = tabs[1]!;
      await using moved = await RawClient.connect(c!.wsUrl, { project: 'Shard', resume: onB.welcome.resumeToken });
      expect(moved.welcome).toMatchObject({ resumed: true, sessionId: onB.sessionId });
      expectResult(await moved.call('page.open', { pageId: 'moved' }));
      await until('the resumed session on b and c', async () => {
        const s = (await list(admin, { projectFilter: 'Shard' })).find((x) => x.id === onB.sessionId);
        return s && s.nodes.length === 2 && s.pageIds.length === 2 ? s : undefined;
      });

      // b dies. Its part of the resumed session is retired (the session lives on c, with
      // c's page only); its other sessions end after the timeout; then b is forgotten.
      await b!.kill('SIGKILL');
      const bOnly = all.filter((s) => s.node === 'node-b' && s.id !== onB.sessionId).map((s) => s.id);
      expect(bOnly.length).toBe(9);
      const after = await until(
        "b's parts retired or ended",
        async () => {
          const l = await list(admin, { projectFilter: 'Shard' });
          const kept = l.find((x) => x.id === onB.sessionId);
          const ghosts = l.filter((x) => bOnly.includes(x.id));
          return kept && kept.nodes.length === 1 && ghosts.length === 0 ? kept : undefined;
        },
        20_000,
      );
      expect(after).toMatchObject({ nodes: ['node-c'], pageIds: ['moved'], state: 'connected', confirmed: true });
      await until('b forgotten', async () => ((await nodeListed(servers, 'node-b')) ? undefined : true), 20_000);
      // a's and c's sessions all remain.
      const left = await list(admin, { projectFilter: 'Shard' });
      expect(left.length).toBe(21);
    } finally {
      for (const t of tabs) t.ws.terminate();
    }
  });
});
