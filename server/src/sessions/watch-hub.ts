import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Filter } from '../filters/regex.js';
import { sessionInfoJson } from './info-json.js';
import type { SessionChange, SessionRegistry } from './registry.js';
import type { Peer, Session } from './session.js';
import { changedText, COUNTER_SCAN_MS, FEED_GAP_MS, passes, Subscriptions, type FeedSubscription } from './subscriptions.js';

interface Subscription extends FeedSubscription {
  /** Sessions the subscriber knows about, with the message count it last saw. */
  visible: Map<Session, number>;
  added: Set<Session>;
  updated: Set<Session>;
  removed: Set<string>;
  timer: NodeJS.Timeout | undefined;
  lastFlush: number;
}

/** `sessions.watch`: a snapshot, then coalesced diffs of what each subscriber's filters see. */
export class WatchHub extends Subscriptions<Subscription> {
  private scanTimer: NodeJS.Timeout | undefined;
  /** Listening only while someone watches: no cost on the per-message path otherwise. */
  private unlisten: (() => void) | undefined;

  constructor(
    private readonly registry: SessionRegistry,
    private readonly log: Logger,
    /** Feed updates are skipped for a socket with more than this many bytes unsent. */
    private readonly highWaterMark: number,
  ) {
    super();
  }

  watch(conn: Peer, user: Filter, project: Filter, sessions: Iterable<Session>): { subscription: string; snapshot: Session[] } {
    const sub: Subscription = {
      id: randomUUID(),
      conn,
      user,
      project,
      visible: new Map(),
      added: new Set(),
      updated: new Set(),
      removed: new Set(),
      timer: undefined,
      lastFlush: Date.now(),
    };
    const snapshot: Session[] = [];
    for (const s of sessions) {
      if (passes(sub, s)) {
        sub.visible.set(s, s.messagesSent);
        snapshot.push(s);
      }
    }
    this.subs.set(sub.id, sub);
    this.unlisten ??= this.registry.onChange((change, session) => this.onChange(change, session));
    this.scanTimer ??= setInterval(() => this.scanCounters(), COUNTER_SCAN_MS).unref();
    return { subscription: sub.id, snapshot };
  }

  protected dropped(sub: Subscription): void {
    if (sub.timer) clearTimeout(sub.timer);
    if (this.subs.size === 0) {
      if (this.scanTimer) clearInterval(this.scanTimer);
      this.scanTimer = undefined;
      this.unlisten?.();
      this.unlisten = undefined;
    }
  }

  private onChange(change: SessionChange, session: Session): void {
    for (const sub of this.subs.values()) {
      const known = sub.visible.has(session);
      const now = change !== 'removed' && passes(sub, session);
      if (now && !known) {
        sub.visible.set(session, session.messagesSent);
        sub.removed.delete(session.id);
        sub.added.add(session);
      } else if (now && known) {
        if (!sub.added.has(session)) sub.updated.add(session);
      } else if (!now && known) {
        sub.visible.delete(session);
        sub.updated.delete(session);
        // Added and gone within one window: the subscriber never needs to hear of it.
        if (!sub.added.delete(session)) sub.removed.add(session.id);
      } else {
        continue;
      }
      this.schedule(sub);
    }
  }

  private scanCounters(): void {
    for (const sub of this.subs.values()) {
      let changed = false;
      for (const [session, seen] of sub.visible) {
        if (session.messagesSent !== seen && !sub.added.has(session)) {
          sub.updated.add(session);
          changed = true;
        }
      }
      if (changed) this.schedule(sub);
    }
  }

  private schedule(sub: Subscription): void {
    if (sub.timer) return;
    const wait = Math.max(0, sub.lastFlush + FEED_GAP_MS - Date.now());
    sub.timer = setTimeout(() => this.flush(sub), wait);
    sub.timer.unref();
  }

  private flush(sub: Subscription): void {
    sub.timer = undefined;
    if (!this.subs.has(sub.id)) return;
    // Only admins may read other sessions, however the login changed (another node, say).
    if (!sub.conn.session.isAdmin) return this.drop(sub);
    if (sub.added.size + sub.updated.size + sub.removed.size === 0) return;
    if (sub.conn.buffered > this.highWaterMark) {
      // A slow reader: keep coalescing until it drains instead of piling up frames.
      this.log.debug({ subscription: sub.id, buffered: sub.conn.buffered }, 'feed held back for a slow consumer');
      sub.lastFlush = Date.now();
      this.schedule(sub);
      return;
    }
    const now = Date.now();
    // Assembled from each session's cached JSON pieces.
    const json = (set: Set<Session>) => [...set].map((s) => sessionInfoJson(s, now));
    const text = changedText(sub.id, json(sub.added), json(sub.updated), [...sub.removed]);
    for (const s of sub.added) sub.visible.set(s, s.messagesSent);
    for (const s of sub.updated) sub.visible.set(s, s.messagesSent);
    sub.added.clear();
    sub.updated.clear();
    sub.removed.clear();
    sub.lastFlush = now;
    sub.conn.sendText(text);
  }
}
