import type { Connection } from '../transport/connection.js';
import type { Session } from './session.js';

/**
 * A live feed's subscriptions by ID, and the ways one ends: its socket unsubscribes, closes,
 * or its session stops being an admin. Feeds say what else ending one means (`dropped`).
 */
export abstract class Subscriptions<S extends { id: string; conn: Connection }> {
  protected readonly subs = new Map<string, S>();

  get size(): number {
    return this.subs.size;
  }

  /** Ends a subscription; only its own socket may end it. */
  unwatch(conn: Connection, id: string): boolean {
    const sub = this.subs.get(id);
    if (!sub || sub.conn !== conn) return false;
    this.drop(sub);
    return true;
  }

  /** A socket closed: its subscriptions go with it. */
  dropConnection(conn: Connection): void {
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
