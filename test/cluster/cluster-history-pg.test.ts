/**
 * A cluster's history in one PostgreSQL: every node writes to it, any node answers for all,
 * and a session that lives on two nodes has one start, one end and one ended row, whichever
 * way it ends (its last part timing out, or an admin closing it on another node).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdmin } from '../support/contract.js';
import { FAST, NodeProcess, until, untilStored } from '../support/cluster.js';
import { userToken } from '../support/jwt.js';
import { hasPostgres, PostgresServer } from '../support/postgres.js';
import { hasRedis, RedisServer } from '../support/redis.js';
import { RawClient } from '../support/ws-client.js';

interface Ended {
  id: string;
  username: string;
  endReason: string;
  totalBytesSent: number;
  messagesSent: number;
  endedAt: string;
}

describe.skipIf(!hasRedis() || !hasPostgres())('cluster history in PostgreSQL', () => {
  let redis: RedisServer;
  let pg: PostgresServer;
  beforeAll(async () => {
    [redis, pg] = await Promise.all([RedisServer.start(), PostgresServer.start()]);
  }, 60_000);
  afterAll(async () => {
    await redis?.stop();
    await pg?.[Symbol.asyncDispose]();
  });

  it('records a session that spans two nodes once, and both nodes answer for it', async () => {
    const db = await pg.database();
    const extra = [...FAST, '--database', db, '--data-dir', ':memory:'];
    await using a = await NodeProcess.start('pg-a', redis.url, extra);
    await using b = await NodeProcess.start('pg-b', redis.url, extra);
    await using adminA = await connectAdmin(a, { project: 'Ops' });
    await using adminB = await connectAdmin(b, { project: 'Ops' });

    // Lives on A, resumes on B (A's part then times out and retires), ends on B by the timeout.
    const onA = await RawClient.connect(a.wsUrl, { project: 'Plant' });
    const sid = onA.welcome.sessionId;
    await onA.result('auth.login', { token: await userToken('billy') });
    await onA.result('page.open', { pageId: 'p1', path: '/a', title: 'A' });
    const sentOnA = onA.bytesSent;
    await onA.close();
    await untilStored(redis.url, sid, 'pg-a', (p) => p.loggedIn === true && p.state === 'disconnected');
    const onB = await RawClient.connect(b.wsUrl, { project: 'Plant', resume: onA.welcome.resumeToken });
    expect(onB.welcome.sessionId).toBe(sid);
    await onB.result('page.open', { pageId: 'p2', path: '/b', title: 'B' });
    const sentOnB = onB.bytesSent;
    await onB.close();

    // A second one, on both nodes at once, closed by an admin on B.
    const two = await RawClient.connect(a.wsUrl, { project: 'Plant' });
    const sid2 = two.welcome.sessionId;
    await untilStored(redis.url, sid2, 'pg-a');
    const twoB = await RawClient.connect(b.wsUrl, { project: 'Plant', resume: two.welcome.resumeToken });
    expect(twoB.welcome.sessionId).toBe(sid2);
    await until('both parts of the second session', async () => {
      const s = (await adminB.result('getSessionInfo', {})).find((x: { id: string; nodes?: string[] }) => x.id === sid2);
      return s?.nodes?.length === 2 ? true : undefined;
    });
    await adminB.result('sessions.close', { sessionId: sid2, message: 'done' });

    const endedOn = async (admin: RawClient, id: string): Promise<Ended[]> =>
      ((await admin.result('sessions.history', { limit: 100 })).sessions as Ended[]).filter((s) => s.id === id);
    await until(
      'both sessions ended',
      async () => ((await endedOn(adminA, sid)).length === 1 && (await endedOn(adminA, sid2)).length === 1 ? true : undefined),
      15_000,
    );

    for (const admin of [adminA, adminB]) {
      const rows = await endedOn(admin, sid);
      expect(rows).toHaveLength(1);
      // Counters of both parts, the login made on A.
      expect(rows[0]).toMatchObject({ id: sid, username: 'billy', endReason: 'timeout', totalBytesSent: sentOnA + sentOnB });
      const evs = (await admin.result('sessions.events', { sessionId: sid })).events as { type: string; detail: Record<string, unknown> }[];
      expect(evs.filter((e) => e.type === 'session.start')).toHaveLength(1);
      const ends = evs.filter((e) => e.type === 'session.end');
      expect(ends).toHaveLength(1);
      expect(ends[0]?.detail).toMatchObject({ reason: 'timeout', totalBytesSent: sentOnA + sentOnB });
      expect(
        evs
          .filter((e) => e.type === 'page.open')
          .map((e) => e.detail.path)
          .sort(),
      ).toEqual(['/a', '/b']);

      expect((await endedOn(admin, sid2)).map((s) => s.endReason)).toEqual(['closed']);
      const evs2 = (await admin.result('sessions.events', { sessionId: sid2, types: ['session.start', 'session.end'] })).events as {
        type: string;
      }[];
      expect(evs2.map((e) => e.type)).toEqual(['session.end', 'session.start']);
    }
    // Nothing secret in what the nodes logged (the URL carries a password).
    for (const n of [a, b]) expect(n.stderr + n.stdout).not.toContain('s3cr3t');
    await two.close();
    await twoB.close();
  }, 60_000);

  it('records the end of a session whose node died, once, where the reaper decided it', async () => {
    const db = await pg.database();
    const extra = [...FAST, '--database', db, '--data-dir', ':memory:'];
    const a = await NodeProcess.start('pg-dies', redis.url, extra);
    await using b = await NodeProcess.start('pg-lives', redis.url, extra);
    await using adminB = await connectAdmin(b, { project: 'Ops' });
    const c = await RawClient.connect(a.wsUrl, { project: 'Plant' });
    const sid = c.welcome.sessionId;
    await c.result('auth.login', { token: await userToken('dora') });
    await untilStored(redis.url, sid, 'pg-dies', (p) => p.loggedIn === true);
    // The start is written before the node dies (a SIGKILL loses at most one flush).
    await until('the start written', async () =>
      (await adminB.result('sessions.events', { sessionId: sid })).events.length >= 2 ? true : undefined,
    );
    await a.kill('SIGKILL');
    await until(
      'the session ended by the reaper',
      async () => ((await adminB.result('sessions.history', {})).sessions as Ended[]).find((s) => s.id === sid),
      20_000,
    );
    const rows = ((await adminB.result('sessions.history', {})).sessions as Ended[]).filter((s) => s.id === sid);
    expect(rows).toMatchObject([{ id: sid, username: 'dora', endReason: 'timeout' }]);
    const evs = (await adminB.result('sessions.events', { sessionId: sid, types: ['session.start', 'session.end'] })).events as {
      type: string;
    }[];
    expect(evs.map((e) => e.type)).toEqual(['session.end', 'session.start']);
    await c.close().catch(() => undefined);
  }, 60_000);

  it('a session the cluster ended that comes back is not history while it lives, and its final end replaces the first', async () => {
    const db = await pg.database();
    const extra = [...FAST, '--database', db, '--data-dir', ':memory:'];
    await using a = await NodeProcess.start('rv-a', redis.url, extra);
    // A long ping interval on b: the pause must not cost its client the socket.
    await using b = await NodeProcess.start('rv-b', redis.url, [...extra, '--heartbeat', '20000']);
    await using adminA = await connectAdmin(a, { project: 'Ops' });
    const tab = await RawClient.connect(b.wsUrl, { project: 'Plant' });
    const sid = tab.welcome.sessionId;
    await tab.result('auth.login', { token: await userToken('ann') });
    await untilStored(redis.url, sid, 'rv-b', (p) => p.loggedIn === true);
    const endedOn = async (admin: RawClient): Promise<Ended[]> =>
      ((await admin.result('sessions.history', { limit: 100 })).sessions as Ended[]).filter((s) => s.id === sid);

    // b silent past its TTL and the session's timeout: a's reaper ends the session and records it.
    b.child.kill('SIGSTOP');
    let first: Ended;
    try {
      first = await until('the first end recorded', async () => (await endedOn(adminA))[0], 20_000);
    } finally {
      b.child.kill('SIGCONT');
    }
    // b is back with its client still there: the session lives again, so it is not history, on either node.
    await until('the session live again', async () =>
      ((await adminA.result('getSessionInfo', {})) as { id: string; state: string }[]).find((s) => s.id === sid && s.state === 'connected'),
    );
    // History asks Redis whether the session lives: b answers queries from its first beat, and
    // its part is back in Redis with its next flush (at most one flush interval later).
    await untilStored(redis.url, sid, 'rv-b', (p) => p.state === 'connected');
    expect(await endedOn(adminA)).toEqual([]);
    await using adminB = await connectAdmin(b, { project: 'Ops' });
    expect(await endedOn(adminB)).toEqual([]);

    // More traffic, then it ends for good: its final SessionInfo replaces the first row, and one end event remains, the last.
    for (let i = 0; i < 3; i++) await tab.result('session.ping', {});
    const sent = tab.bytesSent;
    await tab.close();
    const final = await until(
      'the final end recorded',
      async () => {
        const rows = await endedOn(adminA);
        return rows.length === 1 && Date.parse(rows[0]?.endedAt ?? '') > Date.parse(first.endedAt) ? rows[0] : undefined;
      },
      20_000,
    );
    expect(final).toMatchObject({ id: sid, username: 'ann', totalBytesSent: sent });
    expect(final.messagesSent).toBeGreaterThan(first.messagesSent);
    expect(await endedOn(adminB)).toEqual([final]);
    const ends = (await adminA.result('sessions.events', { sessionId: sid, types: ['session.end'] })).events as { at: string }[];
    expect(ends.map((e) => e.at)).toEqual([final.endedAt]);
  }, 60_000);
});
