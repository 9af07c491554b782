import { describe, expect, it } from 'vitest';
import { connectWithLogin, list, threeNodes, until, untilStored } from '../support/cluster.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { RawClient, sleep } from '../support/ws-client.js';
import { connectAdmin, expectResult } from '../support/contract.js';

// Three node processes and a redis-server on two shared cores. No retries: the flakes seen
// under load were a real race (a query missed a node that had just joined) and are fixed.
describe.skipIf(!hasRedis())('cluster mode on Redis, three nodes', () => {
  it('answers queries for the whole cluster, with node, and for one node with scope "node"', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    await using onA = await RawClient.connect(a.wsUrl, { project: 'Plant' });
    await using onB = await RawClient.connect(b.wsUrl, { project: 'Plant' });
    await using onC = await connectWithLogin(c.wsUrl, 'billy');
    await onB.call('page.open', { pageId: 'b1', path: '/line/1' });
    await using admin = await connectAdmin(a, { project: 'Ops' });
    const all = await until('all sessions', async () => {
      const l = await list(admin);
      return l.length === 4 ? l : undefined;
    });
    const byId = new Map(all.map((s) => [s.id, s]));
    expect(byId.get(onA.sessionId)?.node).toBe('node-a');
    expect(byId.get(onB.sessionId)).toMatchObject({ node: 'node-b', pageIds: ['b1'], confirmed: true, state: 'connected' });
    expect(byId.get(onC.sessionId)).toMatchObject({ node: 'node-c', username: 'billy', authorized: true });
    expect((await list(admin, { usernameFilter: 'bi.*' })).map((s) => s.id)).toEqual([onC.sessionId]);
    expect((await list(admin, { scope: 'node' })).map((s) => s.id).sort()).toEqual([onA.sessionId, admin.sessionId].sort());
    const ds = expectResult(await admin.call('getSessionInfo', { format: 'dataset', projectFilter: 'Plant' }));
    expect(ds.rows).toHaveLength(2); // onA and onB; billy is on the default project
    // Under load a node may miss a beat and count as unconfirmed for a moment: wait for all three.
    const stats = await until('all nodes answering', async () => {
      const st = expectResult(await admin.call('getSessionStats', {}));
      return st.cluster.nodes.length === 3 ? st : undefined;
    });
    expect(stats).toMatchObject({ sessions: 4, pages: 1, byProject: { Plant: 2, Ops: 1, default: 1 } });
    expect(stats.cluster.nodes.sort()).toEqual(['node-a', 'node-b', 'node-c']);
    expect(stats.cluster).toMatchObject({ node: 'node-a', unconfirmed: [], degraded: false });
  });

  it('carries admin actions to the node that holds the session', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    await using onB = await RawClient.connect(b.wsUrl);
    await using onC = await RawClient.connect(c.wsUrl);
    await onB.call('page.open', { pageId: 'p1' });
    await using admin = await connectAdmin(a);
    await until('sessions visible', async () => ((await list(admin)).length === 3 ? true : undefined));
    expect(expectResult(await admin.call('session.sendMessage', { sessionId: onC.sessionId, type: 'hello', payload: 1 }))).toEqual({
      delivered: 1,
    });
    expect((await onC.nextMessage((d) => d?.method === 'session.message')).data.params).toEqual({ type: 'hello', payload: 1 });
    expectResult(await admin.call('pages.close', { sessionId: onB.sessionId, pageId: 'p1', message: 'bye' }));
    expect((await onB.nextMessage((d) => d?.method === 'page.closing')).data.params).toEqual({ pageId: 'p1', message: 'bye' });
    expectResult(await admin.call('sessions.close', { sessionId: onB.sessionId, message: 'done' }));
    expect((await onB.nextMessage((d) => d?.method === 'session.closing')).data.params.message).toBe('done');
    expect((await onB.closed).code).toBe(4000);
    await until('closed session gone', async () => ((await list(admin)).some((s) => s.id === onB.sessionId) ? undefined : true));
    // Its token no longer resumes anywhere.
    await using again = await RawClient.connect(c.wsUrl, { resume: onB.welcome.resumeToken });
    expect(again.welcome.resumed).toBe(false);
    expect((await admin.call('sessions.close', { sessionId: 'no-such-session' })).error?.code).toBe(-32004);
  });

  it('a SIGKILLed node: its clients resume on another node with session ID, login and counters', async () => {
    await using redis = await RedisServer.start();
    // A session timeout longer than the node TTL (2.5 s), as in production (60 s vs 5 s): with
    // the 2 s of FAST the session is past its timeout the moment its node counts as dead, and
    // the first reaper pass ends it before it can be seen disconnected or resumed.
    const [a, b, c] = await threeNodes(redis, ['--session-timeout', '8000']);
    await using _a = a,
      _b = b,
      _c = c;
    const victim = await connectWithLogin(b.wsUrl, 'operator1', { project: 'Plant' });
    await victim.call('page.open', { pageId: 'main', path: '/main' });
    for (let i = 0; i < 20; i++) victim.notify('page.update', { pageId: 'main', title: `t${i}` });
    const before = expectResult(await victim.call('session.self'));
    await sleep(600); // past a flush: at most the last flush interval may be lost
    await b.kill('SIGKILL');
    await victim.closed;

    await using admin = await connectAdmin(a);
    const seen = await until('dead node session listed as disconnected, unconfirmed', async () => {
      const s = (await list(admin)).find((x) => x.id === before.id);
      return s && s.state === 'disconnected' ? s : undefined;
    });
    expect(seen.confirmed).toBe(false);

    await using back = await RawClient.connect(c.wsUrl, { project: 'Plant', resume: victim.welcome.resumeToken });
    expect(back.welcome).toMatchObject({ resumed: true, sessionId: before.id });
    await back.call('page.open', { pageId: 'main', path: '/main' }); // the SDK re-announces its pages
    const after = expectResult(await back.call('session.self'));
    expect(after).toMatchObject({ id: before.id, username: 'operator1', authorized: true, pageIds: ['main'], state: 'connected' });
    expect(after.totalBytesSent).toBeGreaterThanOrEqual(before.totalBytesSent);
    expect(after.messagesSent).toBeGreaterThanOrEqual(before.messagesSent);
    expect(after.creationTime).toBe(before.creationTime);
    const merged = await until('merged view on another node', async () => {
      const s = (await list(admin)).find((x) => x.id === before.id);
      return s && s.state === 'connected' && s.node === 'node-c' ? s : undefined;
    });
    expect(merged.totalBytesSent).toBeGreaterThanOrEqual(before.totalBytesSent);
  });

  it('reaps a dead node: sessions whose clients never come back end after the timeout, no zombies', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    const gone = await Promise.all([RawClient.connect(b.wsUrl), RawClient.connect(b.wsUrl)]);
    await using admin = await connectAdmin(a);
    await until('sessions on b visible', async () => ((await list(admin)).length === 3 ? true : undefined));
    await sleep(300);
    await b.kill('SIGKILL');
    await Promise.all(gone.map((g) => g.closed));
    // Ended for the whole cluster: counted by an answer that is neither degraded nor missing a node.
    await until(
      'dead node sessions ended',
      async () => {
        const st = expectResult(await admin.call('getSessionStats', {}));
        return st.sessions === 1 && !st.cluster.degraded && st.cluster.unconfirmed.length === 0 ? true : undefined;
      },
      12_000,
    );
    // Their tokens are dead too.
    await using late = await RawClient.connect(c.wsUrl, { resume: gone[0]!.welcome.resumeToken });
    expect(late.welcome.resumed).toBe(false);
    // And the dead node itself leaves the cluster's books.
    await until('dead node forgotten', async () => {
      const stats = expectResult(await admin.call('getSessionStats', {}));
      return stats.cluster.unconfirmed.length === 0 && stats.sessions === 2 ? true : undefined; // the admin and `late`
    });
  });

  it('never hangs on a frozen node: answers within 2 s with its sessions unconfirmed', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    await using onB = await RawClient.connect(b.wsUrl);
    await using admin = await connectAdmin(a);
    await until('b visible', async () => ((await list(admin)).length === 2 ? true : undefined));
    // Frozen before its first write reached Redis, b's session would be unknown to the
    // cluster (at most one flush interval is lost, as documented): freeze it after.
    await untilStored(redis.url, onB.sessionId, 'node-b');
    b.child.kill('SIGSTOP');
    try {
      const t0 = Date.now();
      const l = await list(admin);
      expect(Date.now() - t0).toBeLessThan(2_000);
      expect(l.find((s) => s.id === onB.sessionId)?.confirmed).toBe(false);
    } finally {
      b.child.kill('SIGCONT');
    }
  });

  it("carries a node's answer over 256 KiB (stored in Redis, not sent over pub/sub) whole and confirmed", async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    // 12 sessions x 50 pages x a 512-character title: about 400 KB of answer from node b.
    const big = await Promise.all(Array.from({ length: 12 }, () => RawClient.connect(b.wsUrl, { project: 'Big' })));
    const title = 't'.repeat(512);
    await Promise.all(
      big.map(async (cl) => {
        for (let i = 0; i < 50; i++) expectResult(await cl.call('page.open', { pageId: `p${i}`, title }));
      }),
    );
    await using admin = await connectAdmin(a);
    const l = await until('all big sessions', async () => {
      const x = await list(admin, { projectFilter: 'Big' });
      return x.length === 12 && x.every((s) => s.activePages === 50) ? x : undefined;
    });
    expect(JSON.stringify(l).length).toBeGreaterThan(256 * 1024);
    expect(l.every((s) => s.confirmed === true && s.node === 'node-b' && s.pages.every((p: any) => p.title === title))).toBe(true);
    await Promise.all(big.map((cl) => cl.close()));
  });

  it('lets a second tab on another node join the same session, with counters added up', async () => {
    await using redis = await RedisServer.start();
    const [a, b, c] = await threeNodes(redis);
    await using _a = a,
      _b = b,
      _c = c;
    await using tab1 = await connectWithLogin(a.wsUrl, 'ann');
    await sleep(300);
    await using tab2 = await RawClient.connect(b.wsUrl, { resume: tab1.welcome.resumeToken });
    expect(tab2.welcome).toMatchObject({ resumed: true, sessionId: tab1.sessionId });
    expect(expectResult(await tab2.call('session.self')).username).toBe('ann');
    await tab1.call('page.open', { pageId: 'one' });
    await tab2.call('page.open', { pageId: 'two' });
    await using admin = await connectAdmin(c);
    const s = await until('merged session', async () => {
      const x = (await list(admin)).find((y) => y.id === tab1.sessionId);
      return x && x.pageIds.length === 2 ? x : undefined;
    });
    expect(s.nodes.sort()).toEqual(['node-a', 'node-b']);
    expect(s.pageIds.sort()).toEqual(['one', 'two']);
    expect(s.messagesSent).toBe(4); // login + page.open on tab 1, page.open + session.self on tab 2
    expect((await list(admin)).filter((y) => y.id === tab1.sessionId)).toHaveLength(1);
  });
});
