import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { compileFilter, type Filter } from '../filters/regex.js';
import { RawJson } from '../lib/raw-json.js';
import { compareAsc } from '../listing/order.js';
import type { Peer, Session } from '../sessions/session.js';
import type { FeedSource, FeedView } from './source.js';

/** At most 4 `sessions.changed` a second per subscription, on one node or across the cluster. */
export const FEED_GAP_MS = 250;
/** How often a feed has its source look at counters: they move on every message, so not per message. */
export const COUNTER_SCAN_MS = 1_000;

/** The filters of `sessions.watch` (an empty pattern, null or none: everything). */
export interface FeedFilters {
  usernameFilter?: string | null | undefined;
  projectFilter?: string | null | undefined;
}

export interface FeedEngineOptions {
  /** A subscriber's updates are held back while its socket has more than this many bytes unsent. */
  highWaterMark: number;
  log: Logger;
}

/** What a subscriber has seen and what it is owed: the state `changesFor` works on. */
export interface FeedState {
  readonly user: Filter;
  readonly project: Filter;
  /** Sessions the subscriber knows about. */
  readonly visible: Set<string>;
  /** Sessions that moved since its last notification. */
  readonly pending: Set<string>;
}

interface Subscription extends FeedState {
  readonly id: string;
  readonly conn: Peer;
}

export interface Changes {
  added: string[];
  updated: string[];
  removed: string[];
}

/** Whether a session (by its username and project) passes a subscriber's filters. */
export function passes(sub: Pick<FeedState, 'user' | 'project'>, s: { username: string; project: string }): boolean {
  return (!sub.user || sub.user(s.username)) && (!sub.project || sub.project(s.project));
}

/**
 * What one subscriber is told of the sessions that moved, by comparing what it saw with what
 * its filters let through now: however many times a session changed, came or went since the
 * last notification, it is in one list at most, as it is now (a session that came and went in
 * between is not mentioned at all). Updates `visible` and empties `pending`.
 */
export function changesFor(sub: FeedState, viewOf: (sid: string) => FeedView | undefined, jsonOf: (v: FeedView) => string): Changes {
  const out: Changes = { added: [], updated: [], removed: [] };
  for (const sid of sub.pending) {
    const v = viewOf(sid);
    const seen = sub.visible.has(sid);
    if (v && passes(sub, v)) {
      (seen ? out.updated : out.added).push(jsonOf(v));
      sub.visible.add(sid);
    } else if (seen) {
      out.removed.push(sid);
      sub.visible.delete(sid);
    }
  }
  sub.pending.clear();
  return out;
}

/** The `sessions.changed` notification as text, from each session's JSON already made. */
export function changedText(subscription: string, c: Changes): string {
  return (
    `{"jsonrpc":"2.0","method":"sessions.changed","params":{"subscription":${JSON.stringify(subscription)},` +
    `"added":[${c.added.join(',')}],"updated":[${c.updated.join(',')}],"removed":${JSON.stringify(c.removed)}}}`
  );
}

/**
 * `sessions.watch` over one source: a snapshot in creation order, then coalesced diffs of what
 * each subscriber's filters see. One tick serves every subscriber (each session that moved is
 * read and serialised once), the first after a quiet spell at once, the next no sooner than
 * FEED_GAP_MS later. A subscriber whose socket is past the high-water mark is skipped and keeps
 * gathering until it drains; one whose session stopped being an admin is dropped.
 */
export class FeedEngine {
  private readonly subs = new Map<string, Subscription>();
  /** Sessions the source reported since the last tick, not yet handed to the subscribers. */
  private readonly moved = new Set<string>();
  /** Sessions whose counters alone moved: handed only to the subscribers that see them. */
  private readonly counted = new Set<string>();
  private running = false;
  private warm: Promise<void> | undefined;
  /** `watch` calls waiting for the source to start: it must not stop under them. */
  private waiting = 0;
  /** Bumped by every stop: a start finishing late must not revive a stopped engine. */
  private generation = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private scanTimer: NodeJS.Timeout | undefined;
  private lastTick = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly source: FeedSource,
    private readonly options: FeedEngineOptions,
  ) {}

  get size(): number {
    return this.subs.size;
  }

  /** Subscribes `conn`; the answer (`{subscription, sessions}`) as JSON text to stream. */
  watch(conn: Peer, filters: FeedFilters): RawJson | Promise<RawJson> {
    const user = compileFilter('usernameFilter', filters.usernameFilter);
    const project = compileFilter('projectFilter', filters.projectFilter);
    const starting = this.start();
    return starting ? this.subscribeOnceStarted(starting, conn, user, project) : this.subscribe(conn, user, project);
  }

  /** Ends a subscription; only its own socket may end it. False when it has none by that ID. */
  unwatch(conn: Peer, id: string): boolean {
    const sub = this.subs.get(id);
    if (!sub || sub.conn !== conn) return false;
    this.drop(sub);
    return true;
  }

  /** A socket closed: its subscriptions go with it. */
  dropConnection(conn: Peer): void {
    for (const sub of this.subs.values()) if (sub.conn === conn) this.drop(sub);
  }

  /** A session stopped being an admin (logout, a non-admin login): its feeds end. */
  dropSession(session: Session): void {
    for (const sub of this.subs.values()) if (sub.conn.session === session) this.drop(sub);
  }

  close(): void {
    for (const sub of [...this.subs.values()]) this.drop(sub);
  }

  /** Starts the source for the first subscriber; undefined once it is running. */
  private start(): Promise<void> | undefined {
    if (this.running) return undefined;
    if (this.warm) return this.warm;
    const generation = this.generation;
    const filling = this.source.start({
      moved: (sid) => this.mark(this.moved, sid),
      counted: (sid) => this.mark(this.counted, sid),
    });
    if (!filling) {
      this.started();
      return undefined;
    }
    this.warm = filling.then(
      () => {
        if (generation === this.generation) this.started();
      },
      (err: unknown) => {
        this.stop();
        throw err;
      },
    );
    return this.warm;
  }

  private started(): void {
    this.running = true;
    this.warm = undefined;
    this.scanTimer = setInterval(() => this.source.scan(), COUNTER_SCAN_MS);
    this.scanTimer.unref();
  }

  private async subscribeOnceStarted(starting: Promise<void>, conn: Peer, user: Filter, project: Filter): Promise<RawJson> {
    this.waiting++;
    try {
      await starting;
    } finally {
      this.waiting--;
    }
    // Now, with nothing awaited in between: the engine cannot have stopped meanwhile.
    return this.subscribe(conn, user, project);
  }

  private subscribe(conn: Peer, user: Filter, project: Filter): RawJson {
    // What moved so far is news for the subscribers already there; the snapshot has it all.
    this.handOut();
    const sub: Subscription = { id: randomUUID(), conn, user, project, visible: new Set(), pending: new Set() };
    const now = Date.now();
    const views: FeedView[] = [];
    for (const sid of this.source.sids()) {
      const v = this.source.view(sid, now);
      if (v && passes(sub, v)) {
        sub.visible.add(sid);
        views.push(v);
      }
    }
    views.sort((a, b) => compareAsc(a.createdAt, a.sid, b.createdAt, b.sid));
    // The socket may have gone while the source started: then there is nobody to feed.
    if (!conn.closed) this.subs.set(sub.id, sub);
    else this.stopIfIdle();
    return RawJson.of(`{"subscription":${JSON.stringify(sub.id)},"sessions":[`, views, (v) => v.json(), ']}');
  }

  private mark(set: Set<string>, sid: string): void {
    set.add(sid);
    this.schedule();
  }

  private handOut(): void {
    if (this.moved.size + this.counted.size === 0) return;
    for (const sub of this.subs.values()) {
      for (const sid of this.moved) sub.pending.add(sid);
      // A busy node's counters move all the time: only a subscriber that sees the session cares.
      for (const sid of this.counted) if (sub.visible.has(sid)) sub.pending.add(sid);
    }
    this.moved.clear();
    this.counted.clear();
  }

  private schedule(): void {
    if (this.tickTimer || this.subs.size === 0) return;
    if (this.moved.size + this.counted.size === 0 && !this.someonePending()) return;
    const wait = Math.max(0, this.lastTick + FEED_GAP_MS - Date.now());
    this.tickTimer = setTimeout(() => this.tick(), wait);
    this.tickTimer.unref();
  }

  private someonePending(): boolean {
    for (const sub of this.subs.values()) if (sub.pending.size > 0) return true;
    return false;
  }

  /** Hands what moved to every subscriber, each session read and serialised once. */
  private tick(): void {
    this.tickTimer = undefined;
    const now = Date.now();
    this.lastTick = now;
    // Still (re)filling: what moved waits for a complete picture.
    if (!this.source.ready) return this.schedule();
    this.handOut();
    const views = new Map<string, FeedView | undefined>();
    const texts = new Map<string, string>();
    const viewOf = (sid: string): FeedView | undefined => {
      if (!views.has(sid)) views.set(sid, this.source.view(sid, now));
      return views.get(sid);
    };
    const jsonOf = (v: FeedView): string => {
      let text = texts.get(v.sid);
      if (text === undefined) texts.set(v.sid, (text = v.json()));
      return text;
    };
    for (const sub of [...this.subs.values()]) {
      // Only admins may read other sessions, however the login changed (another node, say).
      if (!sub.conn.session.isAdmin) {
        this.drop(sub);
        continue;
      }
      if (sub.pending.size === 0) continue;
      if (sub.conn.buffered > this.options.highWaterMark) {
        // A slow reader: keep gathering until it drains instead of piling up frames.
        this.options.log.debug({ subscription: sub.id, buffered: sub.conn.buffered }, 'feed held back for a slow consumer');
        continue;
      }
      const changes = changesFor(sub, viewOf, jsonOf);
      if (changes.added.length + changes.updated.length + changes.removed.length > 0) sub.conn.sendText(changedText(sub.id, changes));
    }
    // Held-back subscribers try again after a gap.
    this.schedule();
  }

  private drop(sub: Subscription): void {
    this.subs.delete(sub.id);
    this.stopIfIdle();
  }

  private stopIfIdle(): void {
    if (this.subs.size === 0 && this.waiting === 0) this.stop();
  }

  private stop(): void {
    this.generation++;
    this.source.stop();
    this.running = false;
    this.warm = undefined;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.tickTimer = this.scanTimer = undefined;
    this.moved.clear();
    this.counted.clear();
  }
}
