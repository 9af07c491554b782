/** Admin dashboard: the live set (snapshot, diffs), ordering, totals, filter errors. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { SessionInfo } from '@session-tracker/client';
import {
  SessionStore,
  compareEntries,
  compareSortable,
  insertionIndexOf,
  filterErrorField,
  insertionIndex,
  lastCommAt,
  nextSort,
  sortEntries,
  sortValue,
  totals,
  uptimeAt,
  SORT_KEYS,
  type Entry,
  type SortState,
} from '../../server/dashboard/src/model.js';

function info(id: string, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    userAgent: '',
    username: 'Unauthenticated',
    project: 'Plant',
    uptime: 1_000,
    clientAddress: '127.0.0.1',
    lastComm: 100,
    sessionScope: 'browser',
    activePages: 0,
    recentBytesSent: 0,
    totalBytesSent: 0,
    pageIds: [],
    authorized: false,
    totalBytesReceived: 0,
    messagesSent: 0,
    creationTime: '2026-11-21T23:00:00.000Z',
    state: 'connected',
    pages: [],
    device: { browser: '', os: '', type: 'desktop' },
    roles: [],
    ...over,
  };
}

describe('SessionStore', () => {
  it('takes a snapshot, then applies diffs', () => {
    const store = new SessionStore();
    const first = store.reset([info('a'), info('b')], 10);
    expect(first.added.map((e) => e.info.id)).toEqual(['a', 'b']);
    expect(store.size).toBe(2);

    const diff = store.apply({ added: [info('c')], updated: [info('a', { username: 'billy' })], removed: ['b'] }, 20);
    expect(diff.added.map((e) => e.info.id)).toEqual(['c']);
    expect(diff.updated.map((e) => e.info.id)).toEqual(['a']);
    expect(diff.removed).toEqual(['b']);
    expect(store.get('a')?.info.username).toBe('billy');
    expect(store.get('a')?.at).toBe(20);
    expect([...store.values()].map((e) => e.info.id).sort()).toEqual(['a', 'c']);
  });

  it('is tolerant: unknown updates add, known adds update, unknown removals are ignored', () => {
    const store = new SessionStore();
    store.reset([info('a')], 0);
    const out = store.apply({ added: [info('a')], updated: [info('z')], removed: ['nope'] }, 1);
    expect(out.updated.map((e) => e.info.id)).toEqual(['a']);
    expect(out.added.map((e) => e.info.id)).toEqual(['z']);
    expect(out.removed).toEqual([]);
  });

  it('a new snapshot reports what disappeared', () => {
    const store = new SessionStore();
    store.reset([info('a'), info('b')], 0);
    const out = store.reset([info('b'), info('c')], 5);
    expect(out.removed).toEqual(['a']);
    expect(out.added.map((e) => e.info.id)).toEqual(['c']);
    expect(out.updated.map((e) => e.info.id)).toEqual(['b']);
  });

  it('refreshes only the clocks of known sessions', () => {
    const store = new SessionStore();
    store.reset([info('a', { username: 'billy', lastComm: 9_000 })], 0);
    const out = store.refreshTiming([info('a', { username: 'other', lastComm: 50, uptime: 5_000 }), info('x')], 100);
    expect(out.map((e) => e.info.id)).toEqual(['a']);
    expect(store.get('a')?.info).toMatchObject({ username: 'billy', lastComm: 50, uptime: 5_000 });
    expect(store.get('x')).toBeUndefined();
  });

  it('knows since when a state holds when a diff changed it, not when a snapshot did', () => {
    const store = new SessionStore();
    store.reset([info('a'), info('b')], 0);
    expect(store.get('a')?.stateAt).toBeUndefined();
    store.apply({ added: [], updated: [info('a', { state: 'disconnected' })], removed: [] }, 100);
    expect(store.get('a')?.stateAt).toBe(100);
    // Other changes keep it; so does a clock refresh.
    store.apply({ added: [], updated: [info('a', { state: 'disconnected', activePages: 2 })], removed: [] }, 200);
    expect(store.get('a')?.stateAt).toBe(100);
    store.refreshTiming([info('a', { state: 'disconnected', uptime: 9 })], 300);
    expect(store.get('a')?.stateAt).toBe(100);
    // A snapshot (after a gap) cannot say when b's state changed: no "since".
    store.apply({ added: [], updated: [info('b', { state: 'disconnected' })], removed: [] }, 400);
    store.reset([info('a', { state: 'connected' }), info('b', { state: 'disconnected' })], 500);
    expect(store.get('a')?.stateAt).toBeUndefined();
    expect(store.get('b')?.stateAt).toBe(400);
  });

  it('clocks tick from the values received', () => {
    const e: Entry = { info: info('a', { uptime: 5_000, lastComm: 200 }), at: 1_000 };
    expect(uptimeAt(e, 1_000)).toBe(5_000);
    expect(uptimeAt(e, 4_000)).toBe(8_000);
    expect(lastCommAt(e, 2_000)).toBe(1_200);
    expect(uptimeAt(e, 500)).toBe(5_000); // never backwards
  });
});

describe('ordering', () => {
  const entries: Entry[] = [
    { info: info('1', { username: 'carol', uptime: 50_000, totalBytesSent: 10, clientAddress: '10.0.0.10' }), at: 0 },
    { info: info('2', { username: 'Bob', uptime: 1_000, totalBytesSent: 300, clientAddress: '10.0.0.9' }), at: 0 },
    { info: info('3', { username: 'alice', uptime: 20_000, totalBytesSent: 300, clientAddress: '10.0.0.1' }), at: 0 },
  ];
  const ids = (list: Entry[]): string[] => list.map((e) => e.info.id);

  it('sorts words case-insensitively and numbers naturally', () => {
    expect(ids(sortEntries(entries, { key: 'username', direction: 'ascending' }))).toEqual(['3', '2', '1']);
    expect(ids(sortEntries(entries, { key: 'username', direction: 'descending' }))).toEqual(['1', '2', '3']);
    expect(ids(sortEntries(entries, { key: 'address', direction: 'ascending' }))).toEqual(['3', '2', '1']);
    expect(ids(sortEntries(entries, { key: 'uptime', direction: 'descending' }))).toEqual(['1', '3', '2']);
  });

  it('breaks ties by session ID, in either direction', () => {
    expect(ids(sortEntries(entries, { key: 'bytes', direction: 'descending' }))).toEqual(['2', '3', '1']);
    expect(ids(sortEntries(entries, { key: 'bytes', direction: 'ascending' }))).toEqual(['1', '2', '3']);
  });

  it('clock columns sort by a value that does not move while they tick', () => {
    const early: Entry = { info: info('e', { uptime: 10_000 }), at: 0 };
    const late: Entry = { info: info('l', { uptime: 10_000 }), at: 5_000 }; // same reading, 5 s later: younger
    expect(sortValue(early, 'uptime')).toBeGreaterThan(sortValue(late, 'uptime') as number);
    expect(uptimeAt(early, 6_000)).toBeGreaterThan(uptimeAt(late, 6_000));
  });

  it('binary insertion agrees with a full sort, for every column and direction', () => {
    const arbInfo = fc.record({
      id: fc.uuid(),
      username: fc.constantFrom('alice', 'Bob', 'carol', 'Unauthenticated', 'bob'),
      project: fc.constantFrom('Plant', 'plant 2', 'Plant 10', 'Ware'),
      uptime: fc.nat(100_000),
      lastComm: fc.nat(50_000),
      totalBytesSent: fc.nat(1_000_000),
      activePages: fc.nat(5),
      authorized: fc.boolean(),
      state: fc.constantFrom('connected' as const, 'disconnected' as const),
      at: fc.nat(10_000),
    });
    fc.assert(
      fc.property(
        fc.uniqueArray(arbInfo, { selector: (r) => r.id, maxLength: 30 }),
        fc.constantFrom(...SORT_KEYS),
        fc.constantFrom('ascending' as const, 'descending' as const),
        (rows, key, direction) => {
          const sort: SortState = { key, direction };
          const list: Entry[] = rows.map(({ at, ...r }) => ({ info: info(r.id, r), at }));
          const sorted: Entry[] = [];
          for (const e of list) sorted.splice(insertionIndex(sorted, e, sort), 0, e);
          expect(ids(sorted)).toEqual(ids(sortEntries(list, sort)));
          for (let i = 1; i < sorted.length; i++) {
            expect(compareEntries(sorted[i - 1] as Entry, sorted[i] as Entry, sort)).toBeLessThan(0);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the table's own path (cached sort values) places rows as a full sort orders them", () => {
    interface R {
      id: string;
      sortVal: string | number;
    }
    // One column holds one kind of value: numbers, or words (compared naturally).
    const rowsOf = <V extends string | number>(value: fc.Arbitrary<V>): fc.Arbitrary<R[]> =>
      fc.uniqueArray(fc.record({ id: fc.uuid(), sortVal: value }), { selector: (r) => r.id, maxLength: 40 });
    fc.assert(
      fc.property(
        fc.oneof(rowsOf(fc.integer({ min: -5, max: 5 })), rowsOf(fc.constantFrom('alice', 'Bob', 'bob', 'Plant 10', 'plant 2', ''))),
        fc.constantFrom('ascending' as const, 'descending' as const),
        (rows: R[], direction) => {
          const placed: R[] = [];
          for (const r of rows) placed.splice(insertionIndexOf(placed, r, direction), 0, r);
          const sorted = [...rows].sort((a, b) => compareSortable(a, b, direction));
          expect(placed.map((r) => r.id)).toEqual(sorted.map((r) => r.id));
          for (let i = 1; i < placed.length; i++) expect(compareSortable(placed[i - 1] as R, placed[i] as R, direction)).toBeLessThan(0);
        },
      ),
      { numRuns: 300 },
    );
    // Equal values: the session ID decides, the same way in both directions.
    expect(compareSortable({ id: 'a', sortVal: 1 }, { id: 'b', sortVal: 1 }, 'descending')).toBeLessThan(0);
    expect(insertionIndexOf([{ id: 'a', sortVal: 1 }, { id: 'c', sortVal: 1 }], { id: 'b', sortVal: 1 }, 'ascending')).toBe(1);
  });

  it('a header click flips the same column, starts a new one in its natural direction', () => {
    expect(nextSort({ key: 'username', direction: 'ascending' }, 'username')).toEqual({ key: 'username', direction: 'descending' });
    expect(nextSort({ key: 'username', direction: 'descending' }, 'username')).toEqual({ key: 'username', direction: 'ascending' });
    expect(nextSort({ key: 'username', direction: 'ascending' }, 'project')).toEqual({ key: 'project', direction: 'ascending' });
    expect(nextSort({ key: 'username', direction: 'ascending' }, 'bytes')).toEqual({ key: 'bytes', direction: 'descending' });
  });
});

describe('totals and filter errors', () => {
  it('counts sessions, connected ones, distinct logged-in users and pages', () => {
    const list: Entry[] = [
      { info: info('1', { username: 'billy', activePages: 2 }), at: 0 },
      { info: info('2', { username: 'billy', activePages: 1, state: 'disconnected' }), at: 0 },
      { info: info('3', { username: 'Unauthenticated', activePages: 0 }), at: 0 },
    ];
    expect(totals(list)).toEqual({ sessions: 3, connected: 2, users: 1, pages: 3 });
    expect(totals([])).toEqual({ sessions: 0, connected: 0, users: 0, pages: 0 });
  });

  it('finds the field a -32602 message names', () => {
    expect(filterErrorField('usernameFilter: invalid regular expression: missing )')).toBe('username');
    expect(filterErrorField('projectFilter: pattern is over 1000 characters')).toBe('project');
    expect(filterErrorField('Invalid params: projectFilter: too long; usernameFilter: bad')).toBe('project');
    expect(filterErrorField('something else')).toBeNull();
  });
});
