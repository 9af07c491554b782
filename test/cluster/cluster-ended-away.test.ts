import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { connectWithLogin, FAST, list, NodeProcess, threeNodes, until, untilStored } from '../support/cluster.js';
import { connectAdmin, expectResult } from '../support/contract.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { RawClient } from '../support/ws-client.js';

/** Whether Redis still holds any part of the session (the cluster has not ended it). */
async function sessionInRedis(redisUrl: string, sid: string): Promise<boolean> {
  const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await r.connect();
    return (await r.exists(`{st:${sid}}:parts`)) === 1;
  } finally {
    r.disconnect();
  }
}

/**
 * Pauses a node until the cluster has ended the session (its part's timeout ran out from the
 * node's last beat); `meanwhile` runs while it is paused.
 */
async function pauseUntilEnded(node: NodeProcess, redisUrl: string, sid: string, meanwhile: () => void = () => undefined): Promise<void> {
  node.child.kill('SIGSTOP');
  try {
    meanwhile();
    await until('the cluster to end the session', async () => ((await sessionInRedis(redisUrl, sid)) ? undefined : true), 10_000);
  } finally {
    node.child.kill('SIGCONT');
  }
}

// Node processes (FAST: dead after 2.5 s, a session timeout of 2 s, a reap pass every second).
// A node paused past its TTL and its sessions' timeout: the reaper ends the sessions whose only
// live part it held. What happens when it comes back depends on whether a client is still there.
describe.skipIf(!hasRedis())('cluster: a node comes back after the cluster ended its session', () => {
  it("with its client still connected: the session comes back with every part's counters (totals never drop) and its token", async () => {
    await using redis = await RedisServer.start();
    // A long ping interval: the pause must not cost the tab on b its socket.
    const [a, b, c] = await threeNodes(redis, ['--heartbeat', '20000']);
    await using _a = a,
      _b = b,
      _c = c;
    // The session starts on a with some traffic, then a tab resumes it on b and the one on a
    // leaves: a retires its part, which keeps a's counters.
    const tab1 = await connectWithLogin(a.wsUrl, 'ann');
    const sid = tab1.sessionId;
    for (let i = 0; i < 5; i++) expectResult(await tab1.call('session.ping'));
    await untilStored(redis.url, sid, 'node-a', (p) => p.messagesSent >= 6);
    await using tab2 = await RawClient.connect(b.wsUrl, { resume: tab1.welcome.resumeToken });
    expectResult(await tab2.call('page.open', { pageId: 'two' }));
    await untilStored(redis.url, sid, 'node-b', (p) => p.pages.length === 1);
    tab1.ws.terminate();
    await untilStored(redis.url, sid, 'node-a', (p) => p.state === 'retired');
    await using admin = await connectAdmin(c);
    const before = (await list(admin)).find((s) => s.id === sid);
    expect(before).toMatchObject({ nodes: ['node-b'], pageIds: ['two'], state: 'connected' });
    expect(before.messagesSent).toBeGreaterThanOrEqual(7); // login and 5 pings on a, page.open on b

    await pauseUntilEnded(b, redis.url, sid);
    // Back: its tab never lost its socket, so the session is back, with a's counters too
    // (once b has written it again: b answers queries from its first beat, a moment before).
    const back = await until('the session listed again with its counters', async () => {
      const s = (await list(admin)).find((x) => x.id === sid);
      return s?.state === 'connected' && s.confirmed === true && s.messagesSent >= before.messagesSent ? s : undefined;
    });
    expect(back).toMatchObject({ nodes: ['node-b'], pageIds: ['two'], username: 'ann' });
    expect(back.messagesSent).toBeGreaterThanOrEqual(before.messagesSent);
    expect(back.totalBytesSent).toBeGreaterThanOrEqual(before.totalBytesSent);
    expect(back.totalBytesReceived).toBeGreaterThanOrEqual(before.totalBytesReceived);
    expect(expectResult(await tab2.call('session.self')).messagesSent).toBeGreaterThanOrEqual(before.messagesSent);
    // Its token resumes it anywhere again, and a's old part's counters go into a's new one.
    await using tab3 = await RawClient.connect(a.wsUrl, { resume: tab1.welcome.resumeToken });
    expect(tab3.welcome).toMatchObject({ resumed: true, sessionId: sid });
    const again = await until('both tabs listed', async () => (await list(admin)).find((x) => x.id === sid && x.nodes.length === 2));
    expect(again.messagesSent).toBeGreaterThanOrEqual(back.messagesSent);
  });

  it('a resume in flight when the last part times out (its first write lands after the end): the session comes back with every counter', async () => {
    await using redis = await RedisServer.start();
    await using a = await NodeProcess.start('node-a', redis.url, FAST);
    await using b = await NodeProcess.start('node-b', redis.url, [...FAST, '--heartbeat', '20000']);
    const tab1 = await connectWithLogin(a.wsUrl, 'cid');
    const sid = tab1.sessionId;
    for (let i = 0; i < 5; i++) expectResult(await tab1.call('session.ping'));
    await untilStored(redis.url, sid, 'node-a', (p) => p.messagesSent >= 6);
    await using tab2 = await RawClient.connect(b.wsUrl, { resume: tab1.welcome.resumeToken });
    expect(tab2.welcome).toMatchObject({ resumed: true, sessionId: sid });
    expectResult(await tab2.call('session.ping'));
    await untilStored(redis.url, sid, 'node-b', (p) => p.messagesSent === 1 && p.state === 'connected');
    // Redis as it is while the resume on b is in flight: b read the session, its first write
    // has not landed (b is paused). Meanwhile the tab on a leaves and a's part times out: a
    // retires it and, seeing no other part, ends the session.
    b.child.kill('SIGSTOP');
    try {
      const r = new Redis(redis.url);
      try {
        await r.hdel(`{st:${sid}}:parts`, 'node-b');
      } finally {
        r.disconnect();
      }
      tab1.ws.terminate();
      await until('the session ended by a', async () => ((await sessionInRedis(redis.url, sid)) ? undefined : true));
    } finally {
      b.child.kill('SIGCONT');
    }
    // b's write lands (its next flush): the session is back, with a's counters. Until then
    // b answers queries with its own part alone.
    expectResult(await tab2.call('page.open', { pageId: 'p' }));
    await using admin = await connectAdmin(a);
    // login and 5 pings on a, a ping and page.open on b
    const back = await until('the session listed again with its counters', async () =>
      (await list(admin)).find((s) => s.id === sid && s.pageIds.length === 1 && s.messagesSent >= 8),
    );
    expect(back).toMatchObject({ nodes: ['node-b'], state: 'connected', username: 'cid' });
    await using tab3 = await RawClient.connect(a.wsUrl, { resume: tab1.welcome.resumeToken });
    expect(tab3.welcome).toMatchObject({ resumed: true, sessionId: sid });
  });

  it("a part that times out after the end adds its last counters to the ended session's parts, keeping the others", async () => {
    await using redis = await RedisServer.start();
    // a keeps a disconnected session 4 s: the test ends the session in Redis meanwhile.
    await using a = await NodeProcess.start('node-a', redis.url, [...FAST, '--session-timeout', '4000']);
    await using b = await NodeProcess.start('node-b', redis.url, [...FAST, '--heartbeat', '20000']);
    const tab1 = await connectWithLogin(a.wsUrl, 'dee');
    const sid = tab1.sessionId;
    for (let i = 0; i < 5; i++) expectResult(await tab1.call('session.ping'));
    // b listens before its first beat: a resume there before b has joined the cluster starts a
    // new session (b cannot find the token yet), and b's record of this one never comes.
    await using watcher = await connectAdmin(a);
    await until('node-b in the cluster', async () => {
      const stats = expectResult(await watcher.call('getSessionStats', {}));
      return stats.cluster.nodes.includes('node-b') ? true : undefined;
    });
    await using tab2 = await RawClient.connect(b.wsUrl, { resume: tab1.welcome.resumeToken });
    expect(tab2.welcome.resumed).toBe(true);
    expectResult(await tab2.call('session.ping'));
    await untilStored(redis.url, sid, 'node-b', (p) => p.messagesSent === 1 && p.state === 'connected');
    tab1.ws.terminate();
    const onA = await untilStored(redis.url, sid, 'node-a', (p) => p.state === 'disconnected');
    expect(onA.messagesSent).toBe(6);
    const r = new Redis(redis.url);
    b.child.kill('SIGSTOP');
    try {
      // The cluster ended the session while a and b still held it (both cut off, say): its
      // parts, with an older retired one, are under its ended key. Then a's part times out:
      // its last counters go there, next to the others.
      const parts = `{st:${sid}}:parts`;
      const ended = `{st:${sid}}:ended`;
      await r.hset(parts, 'node-old', JSON.stringify({ ...onA, node: 'node-old', state: 'retired', messagesSent: 9 }));
      await r.multi().rename(parts, ended).pexpire(ended, 600_000).exec();
      await until("a's part retired", async () => {
        const text = await r.hget(ended, 'node-a');
        return text && JSON.parse(text).state === 'retired' ? true : undefined;
      });
      expect(await r.exists(parts)).toBe(0);
    } finally {
      b.child.kill('SIGCONT');
      r.disconnect();
    }
    // b's tab is still there: the session comes back with all three parts' counters.
    expectResult(await tab2.call('page.open', { pageId: 'p' }));
    await using admin = await connectAdmin(a);
    // 6 on a, 9 on the old part, a ping and page.open on b
    const back = await until('the session listed again with its counters', async () =>
      (await list(admin)).find((s) => s.id === sid && s.messagesSent >= 17),
    );
    expect(back).toMatchObject({ nodes: ['node-b'], pageIds: ['p'], state: 'connected' });
  });

  it('with no client left on it: the session ends there too (its timeout ran out cluster-wide) and never comes back', async () => {
    await using redis = await RedisServer.start();
    // b alone keeps a disconnected session for 30 s: were it to announce the ended session
    // again, it would stay listed and resumable that long. (The reaper on a and c uses their 2 s.)
    await using a = await NodeProcess.start('node-a', redis.url, FAST);
    await using b = await NodeProcess.start('node-b', redis.url, [...FAST, '--session-timeout', '30000', '--heartbeat', '20000']);
    await using admin = await connectAdmin(a);
    const tab = await connectWithLogin(b.wsUrl, 'bob');
    const sid = tab.sessionId;
    expectResult(await tab.call('page.open', { pageId: 'one' }));
    await untilStored(redis.url, sid, 'node-b', (p) => p.pages.length === 1);

    // The tab's socket dies while b is paused; b learns of it only once it runs again.
    await pauseUntilEnded(b, redis.url, sid, () => tab.ws.terminate());
    await using bAdmin = await connectAdmin(b);
    await until('b to end it too', async () => {
      const mine = (await list(bAdmin, { scope: 'node' })).find((s) => s.id === sid);
      return mine ? undefined : true;
    });
    expect((await list(admin)).find((s) => s.id === sid)).toBeUndefined();
    expect(await sessionInRedis(redis.url, sid)).toBe(false);
    // Its token starts a new session on either node.
    for (const n of [a, b]) {
      await using again = await RawClient.connect(n.wsUrl, { resume: tab.welcome.resumeToken });
      expect(again.welcome.resumed).toBe(false);
    }
  });
});
