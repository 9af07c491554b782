/** The embedded store and the keyset scan on their own: paging order, filters, budget, pruning. */
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../server/src/history/sqlite-store.js';
import { events, endedSessions, parseTime, scan, SCAN_BUDGET } from '../../server/src/history/query.js';
import type { EventRecord } from '../../server/src/history/store.js';

const ev = (at: number, username: string, type: EventRecord['type'] = 'login'): EventRecord => ({
  at,
  type,
  sessionId: `s-${at}`,
  username,
  project: 'P',
  clientAddress: '127.0.0.1',
  detail: { n: at },
});

describe('SqliteStore + scan', () => {
  it('pages events newest first through equal timestamps without repeats or gaps', async () => {
    const store = new SqliteStore(undefined);
    // 30 events, three per millisecond: ties are broken by the store's sequence.
    const batch = Array.from({ length: 30 }, (_, i) => ev(1_000 + Math.floor(i / 3), i % 2 ? 'odd' : 'even'));
    await store.write({ events: batch, ended: [], live: [], gone: [] });
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof events>> = await events(store, { limit: 7, cursor }, undefined);
      seen.push(...page.events.map((e) => e.detail.n as number));
      cursor = page.next;
    } while (cursor !== null);
    expect(seen).toHaveLength(30);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    const odd = await events(store, { limit: 100 }, { test: (u) => u === 'odd', key: undefined });
    expect(odd.events).toHaveLength(15);
    expect(odd.next).toBeNull();
    await store.close();
  });

  it('answers a short page and a cursor when a filter matches little of a long history (scan budget)', async () => {
    let served = 0;
    const rows = Array.from({ length: SCAN_BUDGET * 2 }, (_, i) => i);
    const r = await scan<number, number>({
      fetch: async (after, limit) => {
        const start = after === undefined ? 0 : after + 1;
        const out = rows.slice(start, start + limit);
        served += out.length;
        return out;
      },
      key: (n) => n,
      match: (n) => n === SCAN_BUDGET * 2 - 1,
      limit: 10,
      after: undefined,
    });
    expect(r.items).toEqual([]);
    expect(r.next).toBeDefined();
    expect(served).toBeLessThan(SCAN_BUDGET + 3_000);
    // Following the cursors finds the one match, then ends (a full last chunk may leave one empty page).
    const found: number[] = [];
    let after = r.next;
    for (let pages = 0; after !== undefined; pages++) {
      expect(pages).toBeLessThan(4);
      const rest = await scan<number, number>({
        fetch: async (a, limit) => rows.slice((a ?? -1) + 1, (a ?? -1) + 1 + limit),
        key: (n) => n,
        match: (n) => n === SCAN_BUDGET * 2 - 1,
        limit: 10,
        after,
      });
      found.push(...rest.items);
      after = rest.next;
    }
    expect(found).toEqual([SCAN_BUDGET * 2 - 1]);
  });

  it('finds ended sessions overlapping a window and prunes rows older than the retention', async () => {
    const store = new SqliteStore(undefined);
    const ended = (id: string, createdAt: number, endedAt: number) => ({
      id,
      project: 'P',
      username: 'u',
      clientAddress: 'a',
      createdAt,
      endedAt,
      endReason: 'timeout' as const,
      info: JSON.stringify({ id, endedAt: new Date(endedAt).toISOString() }),
    });
    await store.write({
      events: [ev(100, 'u'), ev(5_000, 'u')],
      ended: [ended('a', 0, 100), ended('b', 50, 200), ended('c', 300, 400)],
      live: [],
      gone: [],
    });
    const at150 = await endedSessions(store, { from: 150, to: 150 }, undefined, undefined);
    expect(at150.sessions.map((s) => s.id)).toEqual(['b']);
    expect((await endedSessions(store, {}, undefined, undefined)).sessions.map((s) => s.id)).toEqual(['c', 'b', 'a']);
    expect(await store.prune(250, 1_000)).toBe(3); // event at 100, sessions a and b
    expect((await endedSessions(store, {}, undefined, undefined)).sessions.map((s) => s.id)).toEqual(['c']);
    expect((await events(store, {}, undefined)).events.map((e) => e.detail.n)).toEqual([5_000]);
    await store.close();
  });

  it('reads ISO times and epoch ms, and names a bad one', () => {
    expect(parseTime('from', '2026-11-30T03:00:00Z', 0)).toBe(Date.parse('2026-11-30T03:00:00Z'));
    expect(parseTime('from', 1_700_000_000_000, 0)).toBe(1_700_000_000_000);
    expect(parseTime('to', '1700000000000', 0)).toBe(1_700_000_000_000);
    expect(parseTime('to', undefined, 42)).toBe(42);
    expect(() => parseTime('from', 'last tuesday', 0)).toThrow(/from/);
  });
});

describe('SqliteStore in memory', () => {
  it('keeps at most about maxRows per table, dropping the oldest', async () => {
    const store = new SqliteStore(undefined, 100);
    for (let i = 0; i < 50; i++) {
      await store.write({
        events: Array.from({ length: 10 }, (_, j) => ev(i * 10 + j, 'u')),
        ended: [
          { id: `s${i}`, project: 'P', username: 'u', clientAddress: 'a', createdAt: i, endedAt: i, endReason: 'timeout', info: '{}' },
        ],
        live: [],
        gone: [],
      });
    }
    const all = await events(store, { limit: 10_000 }, undefined);
    expect(all.events.length).toBeGreaterThanOrEqual(100);
    expect(all.events.length).toBeLessThanOrEqual(110);
    // The newest are kept.
    expect(all.events[0]?.detail.n).toBe(499);
    expect((await endedSessions(store, { limit: 10_000 }, undefined, undefined)).sessions).toHaveLength(50);
    await store.close();
  });
});
