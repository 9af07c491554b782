import { randomUUID } from 'node:crypto';
import { notification } from '@session-tracker/shared';
import type { TrackerContext } from '../context.js';
import type { Session } from '../sessions/session.js';
import type { Connection } from '../transport/connection.js';
import type { ClusterSessionInfo } from './merge.js';
import { clusterSessions } from './query.js';
import type { ClusterFilters } from './types.js';

/** Cluster-wide feeds are rebuilt from a cluster query this often (and so at most 1 a second). */
const POLL_MS = 1_000;

interface Subscription {
  id: string;
  conn: Connection;
  filters: ClusterFilters;
  /** What the subscriber last saw of each session, minus the clock fields. */
  seen: Map<string, string>;
  timer: NodeJS.Timeout;
  busy: boolean;
}

/** A session's content, without the fields that move every millisecond on their own. */
function signature(s: ClusterSessionInfo): string {
  const { uptime: _u, lastComm: _l, ...rest } = s;
  return JSON.stringify(rest);
}

/**
 * sessions.watch across the cluster: a snapshot, then diffs found by re-running the cluster
 * query every second and comparing. It inherits the query's promise: an answer within the
 * timeout whatever the other nodes do, with slow or dead nodes' sessions unconfirmed.
 */
export class ClusterWatch {
  private readonly subs = new Map<string, Subscription>();

  constructor(private readonly ctx: TrackerContext) {}

  get size(): number {
    return this.subs.size;
  }

  async watch(conn: Connection, filters: ClusterFilters, local: readonly Session[]): Promise<{ subscription: string; sessions: ClusterSessionInfo[] }> {
    const { sessions } = await clusterSessions(this.ctx, filters, local);
    const id = randomUUID();
    const timer = setInterval(() => void this.poll(id), POLL_MS);
    timer.unref();
    this.subs.set(id, { id, conn, filters, seen: new Map(sessions.map((s) => [s.id, signature(s)])), timer, busy: false });
    return { subscription: id, sessions };
  }

  private async poll(id: string): Promise<void> {
    const sub = this.subs.get(id);
    if (!sub || sub.busy) return;
    if (!sub.conn.session.isAdmin) return this.drop(sub);
    if (sub.conn.ws.bufferedAmount > this.ctx.options.feedHighWaterMark) return; // a slow reader: skip a beat
    sub.busy = true;
    try {
      const { sessions } = await clusterSessions(this.ctx, sub.filters, [...this.ctx.registry.values()]);
      if (!this.subs.has(id)) return;
      const added: ClusterSessionInfo[] = [];
      const updated: ClusterSessionInfo[] = [];
      const now = new Map<string, string>();
      for (const s of sessions) {
        const sig = signature(s);
        now.set(s.id, sig);
        const before = sub.seen.get(s.id);
        if (before === undefined) added.push(s);
        else if (before !== sig) updated.push(s);
      }
      const removed = [...sub.seen.keys()].filter((sid) => !now.has(sid));
      sub.seen = now;
      if (added.length + updated.length + removed.length > 0) {
        sub.conn.send(notification('sessions.changed', { subscription: id, added, updated, removed }));
      }
    } catch (err) {
      this.ctx.log.debug({ err, subscription: id }, 'cluster feed poll failed');
    } finally {
      sub.busy = false;
    }
  }

  unwatch(conn: Connection, id: string): boolean {
    const sub = this.subs.get(id);
    if (!sub || sub.conn !== conn) return false;
    this.drop(sub);
    return true;
  }

  dropConnection(conn: Connection): void {
    for (const sub of this.subs.values()) if (sub.conn === conn) this.drop(sub);
  }

  dropSession(session: Session): void {
    for (const sub of this.subs.values()) if (sub.conn.session === session) this.drop(sub);
  }

  close(): void {
    for (const sub of [...this.subs.values()]) this.drop(sub);
  }

  private drop(sub: Subscription): void {
    clearInterval(sub.timer);
    this.subs.delete(sub.id);
  }
}
