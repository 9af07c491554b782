/**
 * One contract for both history stores: the same writes give the same pages, cursor for
 * cursor (keyset order, ties, collation of ids, filters, ranges), starts and ends kept once,
 * live sessions saved and forgotten, pruning. Run against the embedded SQLite store and a
 * private PostgreSQL; then each page of one is compared with the other's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/src/history/sqlite-store.js';
import { PgStore } from '../../server/src/history/pg-store.js';
import { compileFilter } from '../../server/src/filters/regex.js';
import { events, endedSessions, rollup, valueFilter, type ValueFilter } from '../../server/src/history/query.js';
import type { EndedRecord, EventRecord, HistoryStore, LiveRecord, RollupRecord } from '../../server/src/history/store.js';
import { hasPostgres, PostgresServer } from '../support/postgres.js';

/** A filter as the RPC handlers make it: RE2, with its literal start for the store's index. */
const re = (pattern: string): ValueFilter => valueFilter(compileFilter('usernameFilter', pattern), pattern) as ValueFilter;
/** The same filter run only here (no key): what the store's index must not change. */
const plain = (pattern: string): ValueFilter => ({ test: re(pattern).test, key: undefined });

/** Usernames around a prefix's edges in byte order (a filter's literal start narrows to them). */
const USERS = ['vip-1', 'vip', 'vip.', 'vip-é', 'vip-\u{10FFFF}', 'vIp-2', 'vip-', 'vip-a\nb', 'VIP-3', 'vip-日'];

const ev = (i: number, at: number, type: EventRecord['type'] = 'login', sessionId = `s-${i % 7}`): EventRecord => ({
  at,
  type,
  sessionId,
  username: i % 5 === 0 ? (USERS[(i / 5) % USERS.length] as string) : i % 2 ? 'odd' : 'even',
  project: i % 3 ? 'P' : 'Q',
  clientAddress: '127.0.0.1',
  detail: { n: i, nested: { b: 1, a: [i] } },
});

const ended = (id: string, createdAt: number, endedAt: number, endReason: EndedRecord['endReason'] = 'timeout'): EndedRecord => ({
  id,
  project: id.length % 2 ? 'P' : 'Q',
  username: USERS[id.charCodeAt(0) % USERS.length] as string,
  clientAddress: 'a',
  createdAt,
  endedAt,
  endReason,
  info: JSON.stringify({ id, endedAt: new Date(endedAt).toISOString(), endReason }),
});

/** Ids whose byte order differs from a natural-language collation's ("B" < "_" < "a" in bytes). */
const IDS = ['a', 'B', '_x', 'b', 'A', 'z-1', 'Z', 'aa', '0', 'É'];

/** Everything a store answers to a fixed set of questions, page by page, cursors included. */
async function answers(store: HistoryStore): Promise<unknown[]> {
  const out: unknown[] = [];
  const pagesOf = async <T extends { next: string | null }>(ask: (cursor: string | null) => Promise<T>) => {
    let cursor: string | null = null;
    for (let i = 0; i < 100; i++) {
      const page: T = await ask(cursor);
      out.push(page);
      cursor = page.next;
      if (cursor === null) return;
    }
    throw new Error('paging did not end');
  };
  await pagesOf((cursor) => events(store, { limit: 7, cursor }, undefined));
  await pagesOf((cursor) => events(store, { limit: 5, cursor, from: 1_003, to: 1_010 }, undefined));
  await pagesOf((cursor) => events(store, { limit: 4, cursor, sessionId: 's-3' }, undefined));
  await pagesOf((cursor) => events(store, { limit: 3, cursor, types: ['page.open', 'logout'] }, undefined));
  await pagesOf((cursor) => events(store, { limit: 4, cursor, types: ['login'] }, undefined));
  await pagesOf((cursor) => events(store, { limit: 6, cursor }, re('odd')));
  await pagesOf((cursor) => events(store, { limit: 4, cursor }, re('vip-.*')));
  await pagesOf((cursor) => endedSessions(store, { limit: 3, cursor }, re('vip-.*'), re('[PQ]')));
  await pagesOf((cursor) => endedSessions(store, { limit: 3, cursor }, undefined, undefined));
  await pagesOf((cursor) => endedSessions(store, { limit: 2, cursor, from: 150, to: 250 }, undefined, re('P')));
  out.push(await rollup(store, { from: 0, to: 10 * MINUTE }, undefined));
  out.push(await rollup(store, { from: 2 * MINUTE + 5, to: 3 * MINUTE }, { test: (p) => p !== 'a', key: undefined }));
  return out;
}

const MINUTE = 60_000;
const roll = (minute: number, project: string, node: string, n: number): RollupRecord => ({
  minute: minute * MINUTE,
  project,
  node,
  sessions: n,
  users: n - 1,
  pages: 2 * n,
  bytesFromClients: 1_000 * n,
  bytesToClients: 3_000 * n,
});

async function fill(store: HistoryStore): Promise<void> {
  // Three events per millisecond (ties page by the store's sequence), in two batches.
  const types: EventRecord['type'][] = ['login', 'page.open', 'page.close', 'logout', 'admin.action'];
  const all = Array.from({ length: 45 }, (_, i) => ev(i, 1_000 + Math.floor(i / 3), types[i % types.length]));
  await store.write({ events: all.slice(0, 20), ended: [], live: [], gone: [] });
  await store.write({ events: all.slice(20), ended: IDS.map((id, i) => ended(id, 100 + i * 10, 200 + (i % 3) * 50)), live: [], gone: [] });
  // Two nodes' rows of one minute and project add up; a row written again replaces the older.
  const rows = [1, 2, 3].flatMap((m) => IDS.slice(0, 4).flatMap((p, i) => [roll(m, p, 'n1', i + 1), roll(m, p, 'n2', m)]));
  await store.write({ events: [], ended: [], live: [], gone: [], rollup: rows });
  await store.write({ events: [], ended: [], live: [], gone: [], rollup: [roll(3, 'a', 'n1', 9), roll(3, 'a', 'n1', 10)] });
}

const live = (id: string, n: number): LiveRecord => ({ id, n }) as unknown as LiveRecord;

async function contract(store: HistoryStore): Promise<void> {
  // A session starts once, whoever writes it again. It ends once too, but a session the
  // cluster ended can come back and end again: its latest end (event and row) is its end.
  await store.write({
    events: [ev(1, 5_000, 'session.start', 'dup'), ev(2, 5_001, 'session.start', 'dup'), ev(3, 5_002, 'session.end', 'dup')],
    ended: [ended('dup', 4_000, 5_002, 'closed')],
    live: [],
    gone: [],
  });
  const row = async () =>
    (await endedSessions(store, { from: 4_500 }, undefined, undefined)).sessions.map((s) => [s.id, s.endReason, s.endedAt]);
  const dupEvents = async () => (await events(store, { sessionId: 'dup' }, undefined)).events.map((e) => [e.type, e.detail.n]);
  expect(await row()).toEqual([['dup', 'closed', new Date(5_002).toISOString()]]);
  await store.write({
    events: [ev(4, 5_003, 'login', 'dup'), ev(5, 5_004, 'session.end', 'dup')],
    ended: [ended('dup', 4_000, 6_000, 'timeout')],
    live: [],
    gone: [],
  });
  expect(await dupEvents()).toEqual([
    ['session.end', 5],
    ['login', 4],
    ['session.start', 1],
  ]);
  expect(await row()).toEqual([['dup', 'timeout', new Date(6_000).toISOString()]]);
  // An end older than the one kept (or as old) changes nothing; of two ends in one write, the later counts.
  await store.write({
    events: [ev(6, 5_004, 'session.end', 'dup'), ev(7, 5_001, 'session.end', 'dup')],
    ended: [ended('dup', 4_000, 5_500)],
    live: [],
    gone: [],
  });
  expect(await dupEvents()).toEqual([
    ['session.end', 5],
    ['login', 4],
    ['session.start', 1],
  ]);
  expect(await row()).toEqual([['dup', 'timeout', new Date(6_000).toISOString()]]);
  await store.write({
    events: [ev(8, 7_000, 'session.end', 'dup'), ev(9, 7_100, 'session.end', 'dup'), ev(10, 7_050, 'session.end', 'dup')],
    ended: [ended('dup', 4_000, 7_100, 'closed'), ended('dup', 4_000, 7_000)],
    live: [],
    gone: [],
  });
  expect((await dupEvents())[0]).toEqual(['session.end', 9]);
  expect((await dupEvents()).filter(([t]) => t === 'session.end')).toHaveLength(1);
  expect(await row()).toEqual([['dup', 'closed', new Date(7_100).toISOString()]]);

  // Live sessions: saved, replaced, forgotten.
  await store.write({ events: [], ended: [], live: [live('l1', 1), live('l2', 1)], gone: [] });
  await store.write({ events: [], ended: [], live: [live('l1', 2)], gone: ['l2'] });
  expect(await store.loadLive()).toEqual([live('l1', 2)]);

  // Pruning: rows older than the cut, at most `max` per call.
  const before = (await events(store, { limit: 10_000 }, undefined)).events.length;
  expect(await store.prune(1_010, 10)).toBe(10);
  expect(await store.prune(1_010, 10_000)).toBe(20 + IDS.length); // the other 20 events before 1_010, every ended row but 'dup'
  expect((await events(store, { limit: 10_000 }, undefined)).events).toHaveLength(before - 30);
  expect((await endedSessions(store, {}, undefined, undefined)).sessions.map((s) => s.id)).toEqual(['dup']);
  // The rollup goes with the rest of the history.
  expect((await rollup(store, { from: 0, to: 10 * MINUTE }, undefined)).minutes).toHaveLength(12);
  await store.prune(100 * MINUTE, 10_000);
  expect((await rollup(store, { from: 0, to: 10 * MINUTE }, undefined)).minutes).toEqual([]);
}

describe.skipIf(!hasPostgres())('history stores: one contract, SQLite and PostgreSQL', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await PostgresServer.start();
  }, 60_000);
  afterAll(async () => {
    await server?.[Symbol.asyncDispose]();
  });

  it('answer every page identically, cursors included, and keep the same contract', async () => {
    const sqlite = new SqliteStore(undefined);
    const pgStore = new PgStore(await server.database());
    try {
      await fill(sqlite);
      await fill(pgStore);
      const a = await answers(sqlite);
      const b = await answers(pgStore);
      expect(a.length).toBeGreaterThan(15);
      expect(b).toEqual(a);
      // The byte order of ids, newest end first: SQLite's, which PostgreSQL matches.
      const ids = (await endedSessions(pgStore, { limit: 100 }, undefined, undefined)).sessions.map((s) => s.id);
      const endOf = (id: string) => 200 + (IDS.indexOf(id) % 3) * 50;
      const bytes = [...IDS].sort((x, y) => endOf(y) - endOf(x) || Buffer.compare(Buffer.from(y), Buffer.from(x)));
      expect(ids).toEqual(bytes);
      const r = (await rollup(pgStore, { from: 0, to: 10 * MINUTE }, undefined)).minutes;
      expect(r.find((m) => m.at === new Date(3 * MINUTE).toISOString() && m.project === 'a')).toMatchObject({
        sessions: 10 + 3,
        bytesToClients: 3_000 * 13,
      });
      expect(r.slice(0, 4).map((m) => m.project)).toEqual(['B', '_x', 'a', 'b']);
      await contract(sqlite);
      await contract(pgStore);
    } finally {
      await sqlite.close();
      await pgStore.close();
    }
  });

  it("give the same rows with a filter's literal start in SQL as with the filter alone", async () => {
    const sqlite = new SqliteStore(undefined);
    // Every key counted as broad: checked along the time index instead of read through the username one.
    const broad = new SqliteStore(undefined, Number.POSITIVE_INFINITY, 0);
    const pgStore = new PgStore(await server.database());
    try {
      await fill(sqlite);
      await fill(broad);
      await fill(pgStore);
      const walk = async <T>(ask: (cursor: string | null) => Promise<{ next: string | null } & T>, pick: (page: T) => unknown[]) => {
        const out: unknown[] = [];
        let cursor: string | null = null;
        do {
          const page: { next: string | null } & T = await ask(cursor);
          out.push(...pick(page));
          cursor = page.next;
        } while (cursor !== null);
        return out;
      };
      const patterns = [
        'vip-.*',
        'vip-',
        'vip',
        'vip-.+',
        'vip-é',
        'vip-\\pL',
        'v.*',
        '^vip.*',
        'vip\\..*',
        '(?i)vip.*',
        'odd',
        'od+',
        'vip-日',
        'vip-\u{10FFFF}',
        'vip-a\nb',
      ];
      for (const store of [sqlite, broad, pgStore]) {
        for (const p of patterns) {
          const evs = (f: ValueFilter) =>
            walk(
              (cursor) => events(store, { limit: 2, cursor }, f),
              (x: { events: unknown[] }) => x.events,
            );
          const got = await evs(re(p));
          expect(got, p).toEqual(await evs(plain(p)));
          if (p === 'vip-.*') expect(got.length).toBeGreaterThan(2); // pages with cursors, not one
          const ends = (u: ValueFilter, pr: ValueFilter | undefined) =>
            walk(
              (cursor) => endedSessions(store, { limit: 2, cursor }, u, pr),
              (x: { sessions: unknown[] }) => x.sessions,
            );
          expect(await ends(re(p), undefined), p).toEqual(await ends(plain(p), undefined));
          expect(await ends(re(p), re('Q.*')), p).toEqual(await ends(plain(p), plain('Q.*')));
        }
        // The rows a prefix reads are those of its users, and a filter that matches none answers none.
        expect((await events(store, { limit: 1_000 }, re('vip-.*'))).events.length).toBeGreaterThan(0);
        expect((await events(store, { limit: 1_000 }, re('vip-zz.*'))).events).toEqual([]);
      }
    } finally {
      await broad.close();
      await sqlite.close();
      await pgStore.close();
    }
  });

  it('creates its schema once (idempotent, versioned) and refuses a newer one', async () => {
    const url = await server.database();
    const first = new PgStore(url);
    const second = new PgStore(url);
    // Two nodes starting at once: the migration lock makes them take turns.
    await Promise.all([first.loadLive(), second.loadLive()]);
    await first.write({ events: [ev(1, 1)], ended: [], live: [], gone: [] });
    await first.close();
    expect((await second.events({ from: 0, to: 10, after: undefined, sessionId: undefined, types: undefined, limit: 10 })).length).toBe(1);
    await second.close();
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query('UPDATE st_schema SET version = 99');
    await c.end();
    const third = new PgStore(url);
    await expect(third.loadLive()).rejects.toThrow(/schema is version 99, newer than this tracker's/);
    await third.close();
  });

  it('never shows the password in an error', async () => {
    const store = new PgStore(server.urlOf('no_such_db'));
    const err = (await store.loadLive().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/no_such_db/);
    expect(err.message).not.toContain('s3cr3t');
    expect(store.description).toBe(`postgresql postgres://st:***@127.0.0.1:${server.port}/no_such_db`);
    await store.close();
  });
});
