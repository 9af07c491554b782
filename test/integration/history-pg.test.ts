/**
 * A tracker with --database: history over a real socket from PostgreSQL, live sessions kept
 * across a restart, and PostgreSQL down at start or while running: live traffic is served all
 * along, events wait in the bounded buffer (past it they are dropped, counted in /metrics and
 * logged), and the store catches up once PostgreSQL is back. The password is never logged.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectAdmin } from '../support/contract.js';
import { userToken } from '../support/jwt.js';
import { hasPostgres, PG_PASSWORD, PostgresServer } from '../support/postgres.js';
import { startTestServer } from '../support/server.js';
import { RawClient } from '../support/ws-client.js';
import { waitFor } from '../support/wait.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, text: () => text, logger: pino({ level: 'info' }, sink) };
}

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = new RegExp(`^${name} (\\d+)`, 'm').exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

const eventsOf = async (admin: RawClient, params: Record<string, unknown>) =>
  (await admin.result('sessions.events', { limit: 10_000, ...params })).events as {
    type: string;
    sessionId: string;
    detail: Record<string, unknown>;
  }[];

/** The two "store away past the buffer" tests: a 100-record buffer, no rate limit. */
const PAST_THE_BOUND = { historyFlushMs: 50, historyMaxPending: 100, rateLimitPerSecond: 0 };

/** An admin and a client whose session.start is already in the store. */
async function startedClient(srv: Parameters<typeof connectAdmin>[0]) {
  const admin = await connectAdmin(srv);
  const c = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
  const sid = c.welcome.sessionId;
  await waitFor(async () => ((await eventsOf(admin, { sessionId: sid })).length === 1 ? true : undefined), 'the start written');
  return { admin, c, sid };
}

/** 150 pages opened and closed: 300 page events, each call answered within `timeoutMs`. */
async function openAndClosePages(c: RawClient, timeoutMs?: number): Promise<void> {
  for (let i = 0; i < 150; i++) {
    await c.result('page.open', { pageId: `p${i}`, path: `/p/${i}`, title: 'P' }, timeoutMs);
    await c.result('page.close', { pageId: `p${i}` }, timeoutMs);
  }
}

describe.skipIf(!hasPostgres())('history in PostgreSQL (--database)', () => {
  let pg: PostgresServer;
  beforeAll(async () => {
    pg = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await pg?.[Symbol.asyncDispose]();
  });

  it('answers history from PostgreSQL and brings live sessions back after a graceful restart', async () => {
    const database = await pg.database();
    const log = capture();
    let srv = await startTestServer({ database, historyFlushMs: 50, sessionTimeoutMs: 60_000, logger: log.logger });
    const c = await RawClient.connect(srv.wsUrl, { project: 'Plant' });
    await c.result('auth.login', { token: await userToken('billy') });
    await c.result('page.open', { pageId: 'p1', path: '/x', title: 'X' });
    const sent = c.bytesSent;
    await c.close();
    await srv.close();
    srv = await startTestServer({ database, historyFlushMs: 50, logger: log.logger });
    const admin = await connectAdmin(srv);
    const back = (await admin.result('getSessionInfo', {})).find((s: { id: string }) => s.id === c.welcome.sessionId);
    expect(back).toMatchObject({ username: 'billy', state: 'disconnected', totalBytesSent: sent });
    const evs = await eventsOf(admin, { sessionId: c.welcome.sessionId });
    expect(evs.map((e) => e.type).reverse()).toEqual(['session.start', 'login', 'page.open', 'page.close']);
    expect(log.lines.find((l) => l.event === 'history.open')?.store).toMatch(/^postgresql postgres:\/\/st:\*\*\*@127\.0\.0\.1:\d+\/t\d+$/);
    expect(log.text()).not.toContain(encodeURIComponent(PG_PASSWORD));
    expect(log.text()).not.toContain(PG_PASSWORD);
    await admin.close();
    await srv.close();
  });

  it('serves live traffic with PostgreSQL down at start, and writes what it kept once it is up', async () => {
    const database = await pg.database();
    await pg.stop();
    const log = capture();
    try {
      await using srv = await startTestServer({ database, historyFlushMs: 50, logger: log.logger });
      const c = await RawClient.connect(srv.wsUrl, { project: 'Down' });
      await c.result('page.open', { pageId: 'p1', path: '/x', title: 'X' });
      expect(await c.result('session.self', {})).toMatchObject({ id: c.welcome.sessionId, activePages: 1 });
      await waitFor(async () => (log.lines.some((l) => l.event === 'history.write_failed') ? true : undefined), 'a failed write');
      expect(await metric(srv.url, 'session_tracker_history_pending')).toBeGreaterThan(0);
      await pg.restart();
      const admin = await connectAdmin(srv);
      await waitFor(
        async () => ((await eventsOf(admin, { sessionId: c.welcome.sessionId })).length === 2 ? true : undefined),
        'the kept events written',
      );
      expect(log.lines.some((l) => l.event === 'history.write_recovered')).toBe(true);
      expect(log.lines.some((l) => l.event === 'history.restore_failed')).toBe(true);
      expect(log.text()).not.toContain(PG_PASSWORD);
      expect(log.text()).not.toContain(encodeURIComponent(PG_PASSWORD));
      await c.close();
      await admin.close();
    } finally {
      await pg.restart();
    }
  });

  it('with PostgreSQL stopped while running: keeps serving, drops past the bound (counted, logged), catches up', async () => {
    const log = capture();
    await using srv = await startTestServer({ database: await pg.database(), ...PAST_THE_BOUND, logger: log.logger });
    const { admin, c, sid } = await startedClient(srv);
    await pg.stop();
    try {
      // 300 page events while the store is away: the tracker answers every call; 100 wait, the rest go.
      await openAndClosePages(c);
      expect(await c.result('session.self', {})).toMatchObject({ id: sid, activePages: 0 });
      await waitFor(async () => (log.lines.some((l) => l.event === 'history.dropped') ? true : undefined), 'the drop logged');
      const dropped = await metric(srv.url, 'session_tracker_history_dropped_total');
      expect(dropped).toBeGreaterThanOrEqual(200);
      expect(await metric(srv.url, 'session_tracker_history_pending')).toBeLessThanOrEqual(100);
    } finally {
      await pg.restart();
    }
    // The newest 100 (at most) are written once it is back; the start written before stays.
    await waitFor(async () => ((await eventsOf(admin, { sessionId: sid })).length > 1 ? true : undefined), 'the kept events written');
    const evs = await eventsOf(admin, { sessionId: sid });
    const pages = evs.filter((e) => e.type.startsWith('page.'));
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.length).toBeLessThanOrEqual(100);
    expect(pages[0]?.detail.path).toBe('/p/149');
    expect(evs.at(-1)?.type).toBe('session.start');
    expect(300 - pages.length).toBe(await metric(srv.url, 'session_tracker_history_dropped_total'));
    await c.close();
    await admin.close();
  });

  it('with PostgreSQL frozen (SIGSTOP): live calls answer all along, history reads fail saying why, the store catches up once each', async () => {
    const database = await pg.database();
    const log = capture();
    await using srv = await startTestServer({
      database,
      historyFlushMs: 50,
      historyTimeoutMs: 2_000,
      rateLimitPerSecond: 0,
      logger: log.logger,
    });
    const admin = await connectAdmin(srv);
    const reader = await connectAdmin(srv);
    const first = await RawClient.connect(srv.wsUrl, { project: 'Frozen' });
    await waitFor(
      async () => ((await eventsOf(reader, { sessionId: first.welcome.sessionId })).length === 1 ? true : undefined),
      'the start written',
    );
    const clients: RawClient[] = [];
    await pg.freeze();
    try {
      // All of this runs while PostgreSQL answers nothing, for longer than historyTimeoutMs (and
      // its 0.5 s slack): a call that waited on it would take that long or the whole freeze, so
      // 2 s per call is the generous bound of "answered in normal time".
      const since = performance.now();
      while (performance.now() - since < 4_000) {
        const c = await RawClient.connect(srv.wsUrl, { project: 'Frozen' });
        clients.push(c);
        await c.result('auth.login', { token: await userToken(`frozen-${clients.length}`) }, 2_000);
        await c.result('page.open', { pageId: 'p', path: '/f', title: 'F' }, 2_000);
        const listed = (await admin.result('getSessionInfo', {}, 2_000)) as { id: string }[];
        expect(listed.map((x) => x.id)).toContain(c.welcome.sessionId);
        await new Promise((r) => setTimeout(r, 100));
      }
      await waitFor(async () => (log.lines.some((l) => l.event === 'history.write_failed') ? true : undefined), 'a failed write');
      expect(await metric(srv.url, 'session_tracker_history_pending')).toBeGreaterThan(0);
      // A history read fails and says why, rather than hanging its socket: the socket answers next.
      const read = await reader.call('sessions.events', { limit: 10 });
      expect(read.error?.code).toBe(-32603);
      expect(read.error?.message).toMatch(/^History store unavailable: postgresql: no (answer|connection) within \d+ ms$/);
      expect(await reader.result('getSessionInfo', {}, 2_000)).toEqual(expect.any(Array));
      // More reads at once than the pool has connections: each fails in time, none waits for good.
      const askers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => connectAdmin(srv)));
      const reads = await Promise.all(askers.map((a, i) => a.call(i % 2 ? 'sessions.history' : 'sessions.rollup', {})));
      for (const r of reads) expect(r.error?.message).toMatch(/^History store unavailable: postgresql: /);
      for (const a of askers) await a.close();
      expect(log.text()).not.toContain(PG_PASSWORD);
    } finally {
      pg.thaw();
    }
    // Thawed: every session's start, login and page, once each (a retried write never lands twice), nothing dropped.
    const sids = clients.map((c) => c.welcome.sessionId);
    expect(sids.length).toBeGreaterThan(3);
    await waitFor(async () => {
      const starts = await eventsOf(reader, { types: ['page.open'] });
      return sids.every((sid) => starts.some((e) => e.sessionId === sid)) ? true : undefined;
    }, 'the kept events written');
    for (const sid of sids) {
      const types = (await eventsOf(reader, { sessionId: sid })).map((e) => e.type).reverse();
      expect(types).toEqual(['session.start', 'login', 'page.open']);
    }
    expect(await metric(srv.url, 'session_tracker_history_dropped_total')).toBe(0);
    await waitFor(async () => (log.lines.some((l) => l.event === 'history.write_recovered') ? true : undefined), 'the recovery logged');
    for (const c of [first, ...clients]) await c.close();
    await admin.close();
    await reader.close();
  }, 40_000);

  it('with PostgreSQL frozen past the buffer: drops events past the bound, counted, and writes the rest once after', async () => {
    const log = capture();
    await using srv = await startTestServer({
      database: await pg.database(),
      ...PAST_THE_BOUND,
      historyTimeoutMs: 2_000,
      logger: log.logger,
    });
    const { admin, c, sid } = await startedClient(srv);
    await pg.freeze();
    try {
      await openAndClosePages(c, 2_000);
      expect(await c.result('session.self', {}, 2_000)).toMatchObject({ id: sid, activePages: 0 });
      await waitFor(async () => (log.lines.some((l) => l.event === 'history.dropped') ? true : undefined), 'the drop logged');
      // Frozen indeed: the write in progress fails (after historyTimeoutMs), it does not hang.
      await waitFor(async () => (log.lines.some((l) => l.event === 'history.write_failed') ? true : undefined), 'a failed write');
    } finally {
      pg.thaw();
    }
    // Every page event is either written, once, or counted dropped.
    await waitFor(async () => ((await eventsOf(admin, { sessionId: sid })).length > 1 ? true : undefined), 'the kept events written');
    await waitFor(async () => ((await metric(srv.url, 'session_tracker_history_pending')) === 0 ? true : undefined), 'nothing pending');
    const pages = (await eventsOf(admin, { sessionId: sid })).filter((e) => e.type.startsWith('page.'));
    expect(new Set(pages.map((e) => `${e.type} ${String(e.detail.path ?? e.detail.pageId)}`)).size).toBe(pages.length);
    // (Which ones were kept depends on the write in progress at the freeze: its records count
    // against the bound until it fails, and then go back in front, the oldest.)
    expect(pages.length + (await metric(srv.url, 'session_tracker_history_dropped_total'))).toBe(300);
    await c.close();
    await admin.close();
  }, 40_000);
});
