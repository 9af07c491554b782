/**
 * The pure parts of the live-feed engine (server/src/feeds/engine.ts), driven through a fake
 * source (the source is the engine's seam) and fake timers: filter matching, coalescing, the
 * snapshot's order, the pace of notifications, the high-water mark, unsubscribing and a source
 * that starts late or refills. The engine over real sources is held to the contract by the
 * integration and cluster suites.
 */
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { changesFor, COUNTER_SCAN_MS, FEED_GAP_MS, FeedEngine, passes, type FeedState } from '../../server/src/feeds/engine.js';
import type { FeedSink, FeedSource, FeedView } from '../../server/src/feeds/source.js';
import { compileFilter } from '../../server/src/filters/regex.js';
import type { Peer } from '../../server/src/sessions/session.js';

const log = pino({ level: 'silent' });
const HIGH_WATER = 1_000;

interface Fake {
  sid: string;
  createdAt: number;
  username: string;
  project: string;
  rev: number;
}

/** Sessions in a map; every change is reported as a move, as a real source does. */
class FakeSource implements FeedSource {
  readonly sessions = new Map<string, Fake>();
  ready = true;
  starts = 0;
  stops = 0;
  scans = 0;
  /** What start returns: undefined (ready at once) or a promise to settle from the test. */
  starting: Promise<void> | undefined;
  private sink: FeedSink | undefined;

  start(sink: FeedSink): Promise<void> | undefined {
    this.starts++;
    this.sink = sink;
    return this.starting;
  }
  stop(): void {
    this.stops++;
    this.sink = undefined;
  }
  sids(): Iterable<string> {
    return this.sessions.keys();
  }
  view(sid: string): FeedView | undefined {
    const s = this.sessions.get(sid);
    return s && { ...s, json: () => JSON.stringify({ id: s.sid, project: s.project, rev: s.rev }) };
  }
  scan(): void {
    this.scans++;
  }
  set(sid: string, project: string, createdAt = 0): void {
    const old = this.sessions.get(sid);
    this.sessions.set(sid, { sid, createdAt: old?.createdAt ?? createdAt, username: 'u', project, rev: (old?.rev ?? 0) + 1 });
    this.sink?.moved(sid);
  }
  /** Only the counters of a session moved (its project stays). */
  count(sid: string): void {
    const s = this.sessions.get(sid);
    if (s) s.rev++;
    this.sink?.counted(sid);
  }
  end(sid: string): void {
    this.sessions.delete(sid);
    this.sink?.moved(sid);
  }
}

interface Note {
  subscription: string;
  added: { id: string; project: string; rev: number }[];
  updated: { id: string; project: string; rev: number }[];
  removed: string[];
}

/** A socket as the engine sees it: what it was sent, how much it has unsent, whether an admin. */
function fakePeer(): Peer & { notes: Note[]; backlog: number; session: { isAdmin: boolean } } {
  const peer = {
    socketId: 1,
    session: { isAdmin: true },
    closed: false,
    open: true,
    backlog: 0,
    notes: [] as Note[],
    get buffered() {
      return peer.backlog;
    },
    send: () => undefined,
    sendText(text: string) {
      const msg = JSON.parse(text) as { method: string; params: Note };
      expect(msg.method).toBe('sessions.changed');
      peer.notes.push(msg.params);
    },
    close: () => undefined,
  };
  return peer as unknown as Peer & { notes: Note[]; backlog: number; session: { isAdmin: boolean } };
}

async function watch(engine: FeedEngine, conn: Peer, filters = {}): Promise<{ subscription: string; sessions: { id: string }[] }> {
  return JSON.parse((await engine.watch(conn, filters)).text());
}

describe('passes', () => {
  it('lets a session through when every filter given matches (whole values), and everything through without filters', () => {
    const sub = (user?: string, project?: string) => ({
      user: compileFilter('usernameFilter', user),
      project: compileFilter('projectFilter', project),
    });
    const s = { username: 'alice', project: 'Plant' };
    expect(passes(sub(), s)).toBe(true);
    expect(passes(sub('ali.*'), s)).toBe(true);
    expect(passes(sub(undefined, 'Plant'), s)).toBe(true);
    expect(passes(sub('ali.*', 'Pl.nt'), s)).toBe(true);
    expect(passes(sub('ali'), s)).toBe(false);
    expect(passes(sub('bob'), s)).toBe(false);
    expect(passes(sub('ali.*', 'Office'), s)).toBe(false);
  });
});

describe('changesFor', () => {
  const view = (sid: string, project: string, rev = 1): FeedView => ({
    sid,
    createdAt: 0,
    username: 'u',
    project,
    json: () => `"${sid}@${rev}"`,
  });
  const state = (visible: string[], pending: string[]): FeedState => ({
    user: undefined,
    project: compileFilter('projectFilter', '^A$'),
    visible: new Set(visible),
    pending: new Set(pending),
  });

  it('sorts what moved into added, updated and removed by what the subscriber saw and what passes now', () => {
    const now = new Map([
      ['new', view('new', 'A')],
      ['same', view('same', 'A', 2)],
      ['left', view('left', 'B')],
      ['other', view('other', 'B')],
    ]);
    const sub = state(['same', 'left', 'gone'], ['new', 'same', 'left', 'gone', 'other', 'never']);
    const c = changesFor(
      sub,
      (sid) => now.get(sid),
      (v) => v.json(),
    );
    expect(c).toEqual({ added: ['"new@1"'], updated: ['"same@2"'], removed: ['left', 'gone'] });
    expect([...sub.visible].sort()).toEqual(['new', 'same']);
    expect(sub.pending.size).toBe(0);
  });

  it('is the difference between two states, however many moves led from one to the other', () => {
    const projects = fc.constantFrom('A', 'B', undefined);
    const world = fc.dictionary(fc.constantFrom('s1', 's2', 's3', 's4', 's5'), projects);
    fc.assert(
      fc.property(world, world, (before, after) => {
        const visible = Object.entries(before).filter(([, p]) => p === 'A');
        const sub = state(
          visible.map(([sid]) => sid),
          [...Object.keys(before), ...Object.keys(after)],
        );
        const viewOf = (sid: string) => {
          const p = after[sid];
          return p === undefined ? undefined : view(sid, p);
        };
        const c = changesFor(sub, viewOf, (v) => v.sid);
        const nowVisible = Object.entries(after)
          .filter(([, p]) => p === 'A')
          .map(([sid]) => sid);
        const wasVisible = new Set(visible.map(([sid]) => sid));
        expect(c.added.sort()).toEqual(nowVisible.filter((sid) => !wasVisible.has(sid)).sort());
        expect(c.updated.sort()).toEqual(nowVisible.filter((sid) => wasVisible.has(sid)).sort());
        expect(c.removed.sort()).toEqual([...wasVisible].filter((sid) => !nowVisible.includes(sid)).sort());
        expect([...sub.visible].sort()).toEqual([...nowVisible].sort());
      }),
    );
  });
});

describe('FeedEngine', () => {
  let source: FakeSource;
  let engine: FeedEngine;
  beforeEach(() => {
    vi.useFakeTimers();
    source = new FakeSource();
    engine = new FeedEngine(source, { highWaterMark: HIGH_WATER, log });
  });
  afterEach(() => {
    engine.close();
    vi.useRealTimers();
  });

  it('answers a filtered snapshot in creation order (ties by ID), then what moved', async () => {
    source.set('b', 'A', 20);
    source.set('c', 'A', 10);
    source.set('a', 'A', 20);
    source.set('x', 'B', 5);
    const conn = fakePeer();
    const w = await watch(engine, conn, { projectFilter: '^A$' });
    expect(w.sessions.map((s) => s.id)).toEqual(['c', 'a', 'b']);
    source.set('d', 'A', 30);
    source.set('a', 'B');
    source.set('x', 'B');
    await vi.advanceTimersByTimeAsync(0);
    expect(conn.notes).toEqual([{ subscription: w.subscription, added: [{ id: 'd', project: 'A', rev: 1 }], updated: [], removed: ['a'] }]);
  });

  it('sends the first change after a quiet spell at once, then at most one notification per gap', async () => {
    const conn = fakePeer();
    await watch(engine, conn);
    source.set('s', 'A');
    await vi.advanceTimersByTimeAsync(0);
    expect(conn.notes).toHaveLength(1);
    for (let i = 0; i < 20; i++) {
      source.set('s', 'A');
      await vi.advanceTimersByTimeAsync(10);
    }
    // 200 ms in: the gap has not passed since the first.
    expect(conn.notes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(conn.notes).toHaveLength(2);
    expect(conn.notes[1]?.updated).toEqual([{ id: 's', project: 'A', rev: 21 }]);
    // A session that came and went within one gap is never mentioned.
    source.set('brief', 'A');
    source.end('brief');
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS * 2);
    expect(conn.notes).toHaveLength(2);
  });

  it('holds a slow reader back past the high-water mark, then sends one diff of where things are', async () => {
    const slow = fakePeer();
    const fast = fakePeer();
    await watch(engine, slow);
    await watch(engine, fast);
    slow.backlog = HIGH_WATER + 1;
    source.set('s', 'A');
    source.set('t', 'A');
    for (let i = 0; i < 4; i++) {
      await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
      source.set('s', 'A');
    }
    source.end('t');
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(slow.notes).toEqual([]);
    expect(fast.notes.length).toBeGreaterThan(2);
    slow.backlog = HIGH_WATER;
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(slow.notes).toHaveLength(1);
    expect(slow.notes[0]).toMatchObject({ added: [{ id: 's', rev: 5 }], updated: [], removed: [] });
  });

  it('unsubscribes only for its own socket; the source stops with the last subscriber', async () => {
    const a = fakePeer();
    const b = fakePeer();
    const wa = await watch(engine, a);
    await watch(engine, b);
    expect(source.starts).toBe(1);
    expect(engine.unwatch(b, wa.subscription)).toBe(false);
    expect(engine.unwatch(a, wa.subscription)).toBe(true);
    expect(engine.unwatch(a, wa.subscription)).toBe(false);
    source.set('s', 'A');
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(a.notes).toEqual([]);
    expect(b.notes).toHaveLength(1);
    expect(source.stops).toBe(0);
    engine.dropConnection(b);
    expect(engine.size).toBe(0);
    expect(source.stops).toBe(1);
    await watch(engine, a);
    expect(source.starts).toBe(2);
  });

  it('drops a subscriber whose session is no longer an admin', async () => {
    const conn = fakePeer();
    await watch(engine, conn);
    conn.session.isAdmin = false;
    source.set('s', 'A');
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(conn.notes).toEqual([]);
    expect(engine.size).toBe(0);
  });

  it('tells of counters only the subscribers that see the session', async () => {
    source.set('a', 'A');
    source.set('b', 'B');
    const onA = fakePeer();
    const onB = fakePeer();
    const wA = await watch(engine, onA, { projectFilter: 'A' });
    await watch(engine, onB, { projectFilter: 'B' });
    const viewed: string[] = [];
    const view = source.view.bind(source);
    source.view = (sid: string) => {
      viewed.push(sid);
      return view(sid);
    };
    source.count('a');
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(onA.notes).toEqual([{ subscription: wA.subscription, added: [], updated: [{ id: 'a', project: 'A', rev: 2 }], removed: [] }]);
    expect(onB.notes).toEqual([]);
    // Read once for the one subscriber it concerns, not looked at for the other.
    expect(viewed).toEqual(['a']);
  });

  it('has the source scan counters once a scan interval while it runs', async () => {
    const conn = fakePeer();
    await watch(engine, conn);
    await vi.advanceTimersByTimeAsync(COUNTER_SCAN_MS * 3);
    expect(source.scans).toBe(3);
    engine.dropConnection(conn);
    await vi.advanceTimersByTimeAsync(COUNTER_SCAN_MS * 3);
    expect(source.scans).toBe(3);
  });

  it('waits for a source that starts late; its snapshot has what moved meanwhile', async () => {
    let ready: (() => void) | undefined;
    source.starting = new Promise<void>((resolve) => {
      ready = resolve;
    });
    source.set('early', 'A');
    const conn = fakePeer();
    const answer = engine.watch(conn, {});
    expect(answer).toBeInstanceOf(Promise);
    source.set('meanwhile', 'A');
    ready?.();
    const w = JSON.parse((await answer).text()) as { sessions: { id: string }[] };
    expect(w.sessions.map((s) => s.id).sort()).toEqual(['early', 'meanwhile']);
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(conn.notes).toEqual([]);
  });

  it('fails the watch when the source cannot start, and starts it afresh for the next one', async () => {
    source.starting = Promise.reject(new Error('no cluster'));
    await expect(engine.watch(fakePeer(), {})).rejects.toThrow('no cluster');
    expect(source.stops).toBe(1);
    source.starting = undefined;
    const w = await watch(engine, fakePeer());
    expect(typeof w.subscription).toBe('string');
    expect(source.starts).toBe(2);
  });

  it('holds what moved while the source refills, and sends it once it is ready', async () => {
    const conn = fakePeer();
    await watch(engine, conn);
    source.ready = false;
    source.set('s', 'A');
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS * 4);
    expect(conn.notes).toEqual([]);
    source.ready = true;
    await vi.advanceTimersByTimeAsync(FEED_GAP_MS);
    expect(conn.notes).toHaveLength(1);
  });
});
