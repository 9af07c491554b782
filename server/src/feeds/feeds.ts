import type { Peer, Session } from '../sessions/session.js';
import type { FeedEngine, FeedFilters } from './engine.js';
import type { RawJson } from '../lib/raw-json.js';

/**
 * Every `sessions.watch` feed of this tracker: one engine over this node's sessions and, where
 * there is a cluster, one over the cluster's. Sockets and sessions leave both through here.
 */
export class Feeds {
  /** Cluster-wide feeds: set once the cluster backend is up (never on a single node). */
  cluster: FeedEngine | undefined;

  constructor(readonly local: FeedEngine) {}

  /**
   * sessions.watch: subscribes `conn`; the answer is the subscription and the snapshot. `wide`:
   * every node's sessions (where there is a cluster), else this node's.
   */
  watch(conn: Peer, filters: FeedFilters, wide: boolean): RawJson | Promise<RawJson> {
    return (wide && this.cluster ? this.cluster : this.local).watch(conn, filters);
  }

  /** Ends a subscription of this socket, whichever engine has it; false when none has it. */
  unwatch(conn: Peer, id: string): boolean {
    return this.local.unwatch(conn, id) || (this.cluster?.unwatch(conn, id) ?? false);
  }

  /** A socket closed: its feeds end. */
  dropConnection(conn: Peer): void {
    this.local.dropConnection(conn);
    this.cluster?.dropConnection(conn);
  }

  /** A session stopped being an admin (logout, a non-admin login): its feeds end. */
  dropSession(session: Session): void {
    this.local.dropSession(session);
    this.cluster?.dropSession(session);
  }

  close(): void {
    this.local.close();
    this.cluster?.close();
  }

  get size(): number {
    return this.local.size + (this.cluster?.size ?? 0);
  }
}
