import type { Filter } from '../filters/regex.js';
import type { Peer, Session } from './session.js';

/** At most 4 `sessions.changed` a second per subscription, on one node or across the cluster. */
export const FEED_GAP_MS = 250;
/** How often a feed checks counters (bytes, messages): they move on every message, so not per message. */
export const COUNTER_SCAN_MS = 1_000;

/** What every feed subscription has: its socket and its two compiled filters. */
export interface FeedSubscription {
  id: string;
  conn: Peer;
  user: Filter;
  project: Filter;
}

/** Whether a session (by its username and project) passes a subscription's filters. */
export function passes(sub: FeedSubscription, s: { username: string; project: string }): boolean {
  return (!sub.user || sub.user(s.username)) && (!sub.project || sub.project(s.project));
}

/** The `sessions.changed` notification as text, from each session's JSON already made. */
export function changedText(
  subscription: string,
  added: readonly string[],
  updated: readonly string[],
  removed: readonly string[],
): string {
  return (
    `{"jsonrpc":"2.0","method":"sessions.changed","params":{"subscription":${JSON.stringify(subscription)},` +
    `"added":[${added.join(',')}],"updated":[${updated.join(',')}],"removed":${JSON.stringify(removed)}}}`
  );
}

/**
 * A live feed's subscriptions by ID, and the ways one ends: its socket unsubscribes, closes,
 * or its session stops being an admin. Feeds say what else ending one means (`dropped`).
 */
export abstract class Subscriptions<S extends FeedSubscription> {
  protected readonly subs = new Map<string, S>();

  get size(): number {
    return this.subs.size;
  }

  /** Ends a subscription; only its own socket may end it. */
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

  protected drop(sub: S): void {
    this.subs.delete(sub.id);
    this.dropped(sub);
  }

  /** After a subscription ended (timers, listeners that nobody needs any more). */
  protected abstract dropped(sub: S): void;
}
