/** The journal on its own, over the real SQLite store: failures kept in order, the pending bound, retention. */
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { HistoryJournal } from '../../server/src/history/journal.js';
import { events } from '../../server/src/history/query.js';
import { SqliteStore } from '../../server/src/history/sqlite-store.js';
import type { EventRecord, WriteBatch } from '../../server/src/history/store.js';

const log = pino({ level: 'silent' });
const ev = (n: number, at = Date.now()): EventRecord => ({
  at,
  type: 'login',
  sessionId: `s${n}`,
  username: 'u',
  project: 'P',
  clientAddress: 'a',
  detail: { n },
});
const ended = (id: string) => ({
  id,
  project: 'P',
  username: 'u',
  clientAddress: 'a',
  createdAt: 1,
  endedAt: Date.now(),
  endReason: 'timeout' as const,
  info: '{}',
});

/** The real store, refusing its next `failures` writes (a disk that is full for a while). */
class FailingStore extends SqliteStore {
  /** Set by a test: records whose write may have landed (as the PostgreSQL store says after an unanswered COMMIT). */
  mayHaveWritten: ((record: object) => boolean) | undefined;
  constructor(public failures: number) {
    super(undefined);
  }
  override write(batch: WriteBatch): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      return Promise.reject(new Error('disk full'));
    }
    return super.write(batch);
  }
}

const numbers = async (store: SqliteStore) => (await events(store, { limit: 10_000 }, undefined)).events.map((e) => e.detail.n).reverse();

describe('HistoryJournal', () => {
  it('keeps what a failed write held and writes it, in order, at the next flush', async () => {
    const store = new FailingStore(1);
    const j = new HistoryJournal(store, log, { flushMs: 60_000, retentionMs: 0, maxPending: 1_000, keepLive: false });
    j.record(ev(1));
    j.record(ev(2));
    await j.flush();
    expect(await numbers(store)).toEqual([]);
    j.record(ev(3));
    await j.flush();
    expect(await numbers(store)).toEqual([1, 2, 3]);
    await j.close();
  });

  it('holds at most maxPending records while the store fails, dropping the oldest events first, never an ended session', async () => {
    const store = new FailingStore(1_000);
    const j = new HistoryJournal(store, log, { flushMs: 60_000, retentionMs: 0, maxPending: 100, keepLive: false });
    j.sessionEnded(ended('kept'));
    for (let i = 0; i < 250; i++) j.record(ev(i));
    await j.flush();
    store.failures = 0;
    await j.flush();
    const kept = await numbers(store);
    expect(kept).toHaveLength(99);
    expect(kept[0]).toBe(151);
    expect(kept.at(-1)).toBe(249);
    expect((await store.ended({ from: 0, to: Number.MAX_SAFE_INTEGER, after: undefined, limit: 10 })).map((r) => r.id)).toEqual(['kept']);
    await j.close();
  });

  it('does not drop, past the bound, events of a write that may have landed (a COMMIT without an answer)', async () => {
    const store = new FailingStore(1_000);
    const j = new HistoryJournal(store, log, { flushMs: 60_000, retentionMs: 0, maxPending: 100, keepLive: false });
    const all = Array.from({ length: 150 }, (_, i) => ev(i));
    // The store cannot tell yet whether its write of the first two landed.
    const unsure = new Set<object>(all.slice(0, 2));
    store.mayHaveWritten = (r: object) => unsure.has(r);
    for (const e of all) j.record(e);
    await j.flush();
    expect(j.droppedTotal).toBe(50);
    store.failures = 0;
    await j.flush();
    const kept = await numbers(store);
    expect(kept.slice(0, 3)).toEqual([0, 1, 52]);
    expect(kept).toHaveLength(100);
    await j.close();
  });

  it('prunes what is older than the retention in the background', async () => {
    const store = new SqliteStore(undefined);
    await store.write({ events: [ev(1, Date.now() - 60_000), ev(2)], ended: [], live: [], gone: [] });
    const j = new HistoryJournal(store, log, { flushMs: 10, retentionMs: 30_000, maxPending: 1_000, keepLive: false });
    // The first pass comes soon after start (min(10 s, 10 flush intervals)).
    for (let i = 0; i < 50 && (await numbers(store)).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await numbers(store)).toEqual([2]);
    await j.close();
  });
});
